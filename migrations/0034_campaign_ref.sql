-- An API campaign's messages carry a short number of the campaign (`campaigns.ref`) instead of its
-- 28-character id, on the row and in `messages_campaign` (src/platform/db/schema/campaigns.ts).
-- Campaigns created before keep NULL and their messages keep the id, so nothing already stored is
-- rewritten; the index finds a campaign by either. (Written by hand: drizzle-kit splits the
-- expression at its comma.)
ALTER TABLE `campaigns` ADD `ref` text;--> statement-breakpoint
CREATE UNIQUE INDEX `campaigns_ref` ON `campaigns` (coalesce("ref", "id"));
