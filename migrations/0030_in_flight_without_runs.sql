-- The in-flight index keeps messages without a run only: the sweep finds a run's stuck messages
-- through its open runs and messages_run_status (src/features/delivery/sweep.ts), so a broadcast
-- message's insert and claim each write one index entry fewer.
DROP INDEX `messages_in_flight`;--> statement-breakpoint
CREATE INDEX `messages_in_flight` ON `messages` (`status`,`updated_at`) WHERE run_id IS NULL AND status IN ('queued', 'sending');