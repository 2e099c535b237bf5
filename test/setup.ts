import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { guardD1Limits } from "./d1-limits";

// Local D1 is SQLite, which binds thousands of parameters and takes statements of any length; D1
// refuses the 101st parameter and a statement over 100,000 bytes. Every statement the Worker, its
// consumers and its Durable Objects prepare in a test goes through the same binding class, so the
// guard makes a test fail where production would.
guardD1Limits(env.DB);

// Runs before each test file; already-applied migrations are skipped.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
