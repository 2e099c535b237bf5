-- A run's unsettled messages (queued, sending) and its failed ones, each in its own partial index
-- keyed (run_id, id), where one keyed (run_id, status, id) held all three statuses: see
-- messages_run_open in src/platform/db/schema/messages.ts. The open one is named by sent_at,
-- failed_at and skip_reason, which a claim never assigns, so queued -> sending writes no entry.
-- Every queued or sending message has all three NULL: sending and failing set them with the
-- status, and a failed or skipped message is never queued again (a run's retry makes new ones).
DROP INDEX `messages_run_status`;--> statement-breakpoint
CREATE INDEX `messages_run_open` ON `messages` (`run_id`,`id`) WHERE run_id IS NOT NULL AND sent_at IS NULL AND failed_at IS NULL AND skip_reason IS NULL;--> statement-breakpoint
CREATE INDEX `messages_run_failed` ON `messages` (`run_id`,`id`) WHERE run_id IS NOT NULL AND status = 'failed';