-- Runs whose messages are in their own Durable Object (src/features/run-ledger), and the project's
-- choice for its new runs (docs/scaling.md#past-one-database).
ALTER TABLE `projects` ADD `run_messages` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `ledger` text;