CREATE TABLE `audience_members` (
	`audience_pk` integer NOT NULL,
	`contact_id` integer NOT NULL,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`audience_pk`, `contact_id`),
	FOREIGN KEY (`audience_pk`) REFERENCES `audiences`(`pk`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`contact_id`) REFERENCES `contacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `audience_members_contact` ON `audience_members` (`contact_id`);--> statement-breakpoint
CREATE TABLE `audiences` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`filter` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audiences_project_id` ON `audiences` (`project_id`,`id`);--> statement-breakpoint
CREATE INDEX `audiences_project_name` ON `audiences` (`project_id`,`name`);--> statement-breakpoint
CREATE TABLE `import_rejects` (
	`import_id` text NOT NULL,
	`line` integer NOT NULL,
	`number` text,
	`reason` text NOT NULL,
	PRIMARY KEY(`import_id`, `line`),
	FOREIGN KEY (`import_id`) REFERENCES `imports`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `imports` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`kind` text NOT NULL,
	`audience_id` text,
	`group_id` text,
	`r2_key` text NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`header` text,
	`bytes_total` integer,
	`bytes_read` integer DEFAULT 0 NOT NULL,
	`lines` integer DEFAULT 0 NOT NULL,
	`rows_done` integer DEFAULT 0 NOT NULL,
	`rows_rejected` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `imports_project` ON `imports` (`project_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `journeys` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`steps` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `journeys_project_id` ON `journeys` (`project_id`,`id`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`status` text NOT NULL,
	`status_reason` text,
	`audiences` text NOT NULL,
	`time_to_run` integer,
	`retry_of` text,
	`cursor` text,
	`queued` integer DEFAULT 0 NOT NULL,
	`skipped` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`started_at` integer,
	`fanned_out_at` integer,
	`finished_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `runs_project_campaign` ON `runs` (`project_id`,`campaign_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `runs_status_time` ON `runs` (`status`,`time_to_run`);--> statement-breakpoint
CREATE TABLE `variable_groups` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` text NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`fields` text NOT NULL,
	`kind` text DEFAULT 'values' NOT NULL,
	`campaign_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `variable_groups_project_id` ON `variable_groups` (`project_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `variable_groups_project_name` ON `variable_groups` (`project_id`,`name`);--> statement-breakpoint
CREATE TABLE `variable_values` (
	`group_pk` integer NOT NULL,
	`number` text NOT NULL,
	`values` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`group_pk`, `number`),
	FOREIGN KEY (`group_pk`) REFERENCES `variable_groups`(`pk`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `campaigns` ADD `message` text;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `variables` text;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `img_url` text;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `buttons` text;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `language` text;--> statement-breakpoint
ALTER TABLE `campaigns` ADD `category` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `error_class` text;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_run_number` ON `messages` (`run_id`,`number`) WHERE run_id IS NOT NULL;