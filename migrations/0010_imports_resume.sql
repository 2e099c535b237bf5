ALTER TABLE `imports` ADD `chunk_offset` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `imports_status_updated` ON `imports` (`status`,`updated_at`);