ALTER TABLE `contacts` ADD `user_id` text;--> statement-breakpoint
ALTER TABLE `contacts` ADD `last_message_at` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_project_user_id` ON `contacts` (`project_id`,`user_id`) WHERE user_id IS NOT NULL;--> statement-breakpoint
CREATE TABLE `webhook_field_counts` (
	`project_id` text NOT NULL,
	`field` text NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	`last_at` integer NOT NULL,
	PRIMARY KEY(`project_id`, `field`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
