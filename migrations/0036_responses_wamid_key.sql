-- A response is found by the last 16 characters of its wamid, without its project: see
-- responses_wamid_key in src/platform/db/schema/messages.ts. The unique index on (project, wamid)
-- held about 90 bytes a response; the insert that stores one now checks for the whole wamid itself
-- (responseIsNew). Written by hand: drizzle-kit splits the expression at its comma.
CREATE INDEX `responses_wamid_key` ON `responses` (substr("wamid", -16));--> statement-breakpoint
DROP INDEX `responses_project_wamid`;
