ALTER TABLE `projects` ADD `retention_days` integer DEFAULT 30 NOT NULL;--> statement-breakpoint
CREATE TABLE `archives` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`run_id` text,
	`day` text,
	`unit` text NOT NULL,
	`r2_key` text NOT NULL,
	`state` text NOT NULL,
	`messages` integer DEFAULT 0 NOT NULL,
	`bytes` integer DEFAULT 0 NOT NULL,
	`first_message_id` text,
	`last_message_id` text,
	`snapshot_at` integer,
	`events_through` integer,
	`kept_live` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	`pruned_at` integer,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `archives_project_unit` ON `archives` (`project_id`,`unit`);--> statement-breakpoint
CREATE INDEX `archives_project_campaign` ON `archives` (`project_id`,`campaign_id`,`run_id`);--> statement-breakpoint
CREATE INDEX `archives_project_first` ON `archives` (`project_id`,`first_message_id`);--> statement-breakpoint
CREATE TABLE `archive_jobs` (
	`project_id` text PRIMARY KEY NOT NULL,
	`lease_holder` text,
	`lease_until` integer,
	`queued_at` integer,
	`before` integer,
	`started_at` integer,
	`finished_at` integer,
	`error` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
