CREATE TABLE `rates` (
	`id` integer PRIMARY KEY NOT NULL,
	`category` text NOT NULL,
	`market` text NOT NULL,
	`currency` text NOT NULL,
	`price_micros` integer NOT NULL,
	`effective_from` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `rates_key` ON `rates` (`category`,`market`,`effective_from`);--> statement-breakpoint
ALTER TABLE `messages` ADD `billing` text;