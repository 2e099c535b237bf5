ALTER TABLE `projects` ADD `api_messages` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `api_day` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `runs_api_day` ON `runs` (`campaign_id`,`api_day`) WHERE api_day IS NOT NULL;