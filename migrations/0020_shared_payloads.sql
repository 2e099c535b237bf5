CREATE TABLE `payload_bases` (
	`id` integer PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`body` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payload_bases_key` ON `payload_bases` (`key`);--> statement-breakpoint
ALTER TABLE `messages` ADD `payload_base` integer;