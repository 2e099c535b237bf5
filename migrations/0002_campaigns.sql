CREATE TABLE `campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`kind` text NOT NULL,
	`name` text NOT NULL,
	`template_id` text,
	`status` text NOT NULL,
	`paused_reason` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `campaigns_project_kind_name` ON `campaigns` (`project_id`,`kind`,`name`);--> statement-breakpoint
CREATE INDEX `campaigns_project` ON `campaigns` (`project_id`,`kind`,`id`);