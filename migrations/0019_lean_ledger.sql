-- A lean message ledger: history as a letter per step on the message row (trail) instead of a row
-- per step, the outbox as one ledger_log row per batch, and partial indexes that later statuses
-- do not rewrite (docs/scaling.md#the-ledger).
CREATE TABLE `ledger_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`entries` text NOT NULL
);
--> statement-breakpoint
DROP INDEX `messages_status_updated`;--> statement-breakpoint
DROP INDEX `messages_wamid`;--> statement-breakpoint
DROP INDEX `messages_project`;--> statement-breakpoint
DROP INDEX `messages_run_status`;--> statement-breakpoint
ALTER TABLE `messages` ADD `claimed_at` integer;--> statement-breakpoint
ALTER TABLE `messages` ADD `trail` text;--> statement-breakpoint
ALTER TABLE `messages` ADD `tx` integer;--> statement-breakpoint
CREATE INDEX `messages_in_flight` ON `messages` (`status`,`updated_at`) WHERE status IN ('queued', 'sending');--> statement-breakpoint
CREATE UNIQUE INDEX `messages_wamid` ON `messages` (`wamid`) WHERE wamid IS NOT NULL;--> statement-breakpoint
CREATE INDEX `messages_project` ON `messages` (`project_id`,`id`) WHERE run_id IS NULL;--> statement-breakpoint
CREATE INDEX `messages_run_status` ON `messages` (`run_id`,`status`,`id`) WHERE run_id IS NOT NULL AND status IN ('queued', 'sending', 'failed');--> statement-breakpoint
ALTER TABLE `ledger_outbox` ADD `legacy_through` integer;
--> statement-breakpoint
-- The outbox reads the history rows written so far the old way, up to this boundary, then the log.
UPDATE `ledger_outbox` SET `legacy_through` = (SELECT coalesce(max(`id`), 0) FROM `message_events`);
--> statement-breakpoint
-- The log's ids continue after every history row: one watermark orders both (an empty first row).
INSERT INTO `ledger_log` (`id`, `entries`) SELECT coalesce(max(`id`), 0) + 1, '[]' FROM `message_events`;
