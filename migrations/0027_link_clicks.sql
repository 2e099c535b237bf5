CREATE TABLE `link_clicks` (
	`message_id` text NOT NULL,
	`button` integer NOT NULL,
	`project_id` text NOT NULL,
	`campaign_id` text NOT NULL,
	`run_id` text NOT NULL,
	`number` text,
	`clicks` integer NOT NULL,
	`first_at` integer NOT NULL,
	`last_at` integer NOT NULL,
	PRIMARY KEY(`message_id`, `button`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `link_clicks_campaign` ON `link_clicks` (`campaign_id`,`run_id`,`button`,`number`);--> statement-breakpoint
ALTER TABLE `campaigns` ADD `track_clicks` integer DEFAULT false NOT NULL;