CREATE TABLE `media_files` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`filename` text NOT NULL,
	`content_type` text NOT NULL,
	`bytes` integer NOT NULL,
	`r2_key` text NOT NULL,
	`source_url` text,
	`wa_media_id` text,
	`wa_phone_number_id` text,
	`uploaded_at` integer,
	`refreshing_until` integer,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `media_files_project` ON `media_files` (`project_id`,`id`);--> statement-breakpoint
ALTER TABLE `campaigns` ADD `img_media` text;