-- An API campaign's messages carry a short number of their template (its row here) instead of its
-- 28-character id (src/platform/db/schema/templates.ts). Messages recorded before keep the id.
CREATE TABLE `template_refs` (
	`ref` integer PRIMARY KEY NOT NULL,
	`template_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `template_refs_template_id_unique` ON `template_refs` (`template_id`);