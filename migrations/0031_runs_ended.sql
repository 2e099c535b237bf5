-- Runs by status and end: the message sweep watches the runs cancelled or failed in the last day
-- through this range instead of reading every cancelled or failed run ever (src/features/delivery/sweep.ts).
CREATE INDEX `runs_ended` ON `runs` (`status`,`finished_at`);