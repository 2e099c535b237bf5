CREATE TABLE `ledger_outbox` (
	`id` integer PRIMARY KEY NOT NULL,
	`start` integer NOT NULL
);
--> statement-breakpoint
-- History written before this migration was counted by the code of its time: the outbox starts after it.
INSERT INTO `ledger_outbox` (`id`, `start`) SELECT 1, coalesce(max(`id`), 0) FROM `message_events`;
