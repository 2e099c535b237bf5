ALTER TABLE `runs` ADD `retry_kind` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `retry_marketing_limited` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `runs_marketing_retry_due` ON `runs` (`finished_at`) WHERE retry_marketing_limited = 1 AND status = 'completed';--> statement-breakpoint
CREATE UNIQUE INDEX `runs_marketing_retry_of` ON `runs` (`retry_of`) WHERE retry_kind = 'marketing_limited';