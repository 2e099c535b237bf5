DROP INDEX `messages_project`;--> statement-breakpoint
DROP INDEX `messages_campaign_run`;--> statement-breakpoint
CREATE INDEX `messages_campaign` ON `messages` (`campaign_id`,`id`) WHERE run_id IS NULL;--> statement-breakpoint
CREATE INDEX `messages_run` ON `messages` (`run_id`,`id`) WHERE run_id IS NOT NULL;