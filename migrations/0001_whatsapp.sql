CREATE TABLE `message_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`message_id` text NOT NULL,
	`status` text NOT NULL,
	`at` integer NOT NULL,
	`error_code` integer,
	`detail` text,
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `message_events_message` ON `message_events` (`message_id`,`id`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`campaign_id` text,
	`run_id` text,
	`template_id` text,
	`number` text NOT NULL,
	`status` text NOT NULL,
	`payload` text,
	`wamid` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`error_code` integer,
	`error_title` text,
	`error_message` text,
	`skip_reason` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	`sent_at` integer,
	`delivered_at` integer,
	`read_at` integer,
	`failed_at` integer,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `messages_wamid` ON `messages` (`wamid`);--> statement-breakpoint
CREATE INDEX `messages_project` ON `messages` (`project_id`,`id`);--> statement-breakpoint
CREATE INDEX `messages_campaign_run` ON `messages` (`campaign_id`,`run_id`,`id`);--> statement-breakpoint
CREATE INDEX `messages_status_updated` ON `messages` (`status`,`updated_at`);--> statement-breakpoint
CREATE TABLE `templates` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`language` text NOT NULL,
	`category` text NOT NULL,
	`status` text NOT NULL,
	`rejected_reason` text,
	`provider_template_id` text,
	`definition` text NOT NULL,
	`params` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `templates_project_name_language` ON `templates` (`project_id`,`name`,`language`);--> statement-breakpoint
CREATE INDEX `templates_project_status` ON `templates` (`project_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `templates_provider_id` ON `templates` (`provider_template_id`);--> statement-breakpoint
CREATE TABLE `whatsapp_accounts` (
	`project_id` text PRIMARY KEY NOT NULL,
	`provider` text NOT NULL,
	`phone_number_id` text NOT NULL,
	`waba_id` text NOT NULL,
	`access_token_enc` text,
	`app_secret_enc` text,
	`verify_token_hash` text,
	`throughput` integer DEFAULT 80 NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `whatsapp_accounts_phone` ON `whatsapp_accounts` (`phone_number_id`);--> statement-breakpoint
CREATE INDEX `whatsapp_accounts_waba` ON `whatsapp_accounts` (`waba_id`);--> statement-breakpoint
CREATE INDEX `whatsapp_accounts_verify` ON `whatsapp_accounts` (`verify_token_hash`);