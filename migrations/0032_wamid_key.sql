-- A message's wamid is indexed by its last 16 characters (the random end of Meta's id), not whole:
-- the index entry of a sent message shrinks by about 40 bytes. Lookups compare the key and then
-- the whole wamid (src/platform/db/schema/messages.ts, byWamid), so the index need not be unique.
-- (Written by hand: drizzle-kit splits the expression at its comma.)
CREATE INDEX `messages_wamid_key` ON `messages` (substr("wamid", -16)) WHERE wamid IS NOT NULL;--> statement-breakpoint
DROP INDEX `messages_wamid`;
