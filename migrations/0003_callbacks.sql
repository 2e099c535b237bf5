CREATE TABLE `callback_endpoints` (
	`project_id` text PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`secret_enc` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
