-- The database's size once an hour, for its growth rate and the days left before D1's ceiling.
CREATE TABLE `storage_samples` (
	`hour` integer PRIMARY KEY NOT NULL,
	`bytes` integer NOT NULL,
	`at` integer NOT NULL
);
