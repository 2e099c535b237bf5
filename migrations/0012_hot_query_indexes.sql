ALTER TABLE `runs` ADD `swept_at` integer;--> statement-breakpoint
CREATE INDEX `runs_status_swept` ON `runs` (`status`,`swept_at`);--> statement-breakpoint
CREATE INDEX `contacts_opted_out` ON `contacts` (`project_id`,`opted_out`,`number`) WHERE opted_out = 1;