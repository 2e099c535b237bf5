-- A person's responses by number alone, the project checked on the row: see responses_number in
-- src/platform/db/schema/responses.ts. The project's id in every entry was 28 bytes a response.
DROP INDEX `responses_project_number`;--> statement-breakpoint
CREATE INDEX `responses_number` ON `responses` (`number`);