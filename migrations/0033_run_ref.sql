-- A run's messages carry a short number of the run (`runs.ref`) instead of its 28-character id,
-- on the row and in each run index (src/platform/db/schema/runs.ts). Runs created before keep
-- NULL and their messages keep the id, so nothing already stored is rewritten; the index finds a
-- run by either. (Written by hand: drizzle-kit splits the expression at its comma.)
ALTER TABLE `runs` ADD `ref` text;--> statement-breakpoint
CREATE UNIQUE INDEX `runs_ref` ON `runs` (coalesce("ref", "id"));
