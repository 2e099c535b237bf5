CREATE TABLE `responses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` text NOT NULL,
	`number` text NOT NULL,
	`message_id` text,
	`campaign_id` text,
	`run_id` text,
	`wamid` text NOT NULL,
	`kind` text NOT NULL,
	`payload` text,
	`text` text,
	`received_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `responses_project_wamid` ON `responses` (`project_id`,`wamid`);--> statement-breakpoint
CREATE INDEX `responses_project_campaign` ON `responses` (`project_id`,`campaign_id`,`id`);--> statement-breakpoint
CREATE INDEX `responses_project_number` ON `responses` (`project_id`,`number`);