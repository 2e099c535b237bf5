-- A campaign's responses by campaign alone, linked ones only: see responses_campaign in
-- src/platform/db/schema/responses.ts. The project's id in every entry was 28 bytes a response.
DROP INDEX `responses_project_campaign`;--> statement-breakpoint
CREATE INDEX `responses_campaign` ON `responses` (`campaign_id`,`id`) WHERE campaign_id IS NOT NULL;