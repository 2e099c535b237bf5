-- A run ledger's sent messages by wamid, for replies that quote one (src/platform/db/schema/wamids.ts).
-- WITHOUT ROWID: the key is the row (drizzle-kit does not write the clause; it is added by hand).
CREATE TABLE `wamid_routes` (
	`key` text PRIMARY KEY NOT NULL,
	`message_id` text NOT NULL
) WITHOUT ROWID;
