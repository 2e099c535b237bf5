import { env } from "cloudflare:workers";
import { afterEach, expect } from "vitest";
import { guardD1Limits } from "./d1-limits";

// Local D1 is SQLite, which binds thousands of parameters and takes statements of any length; D1
// refuses the 101st parameter and a statement over 100,000 bytes. Every statement the Worker, its
// consumers and its Durable Objects prepare in a test goes through the same binding class, so the
// guard makes a test fail where production would.
guardD1Limits(env.DB);

// Runs before each test file; already-applied migrations are skipped. Applied here rather than by
// `applyD1Migrations` of `cloudflare:test`: importing that module imports the whole Worker into the
// file's runtime (about 3.5 s a file), which a file of unit tests never needs. Same table and rules.
await env.DB.prepare(
  "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)",
).run();
const applied = new Set(
  (await env.DB.prepare("SELECT name FROM d1_migrations").all<{ name: string }>()).results.map((r) => r.name),
);
for (const migration of env.TEST_MIGRATIONS) {
  if (applied.has(migration.name)) continue;
  await env.DB.batch([
    ...migration.queries.map((query) => env.DB.prepare(query)),
    env.DB.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(migration.name),
  ]);
}

// The run's open-messages index (messages_run_open, src/platform/db/schema/messages.ts) finds a
// run's queued and sending messages by columns only a settling move sets, never by status: a
// queued or sending run message with one of them set would be invisible to the run's completion,
// its governor and the sweep. After every test, whatever it did, none may exist.
afterEach(async () => {
  const hidden = await env.DB.prepare(
    `SELECT id, status, sent_at, failed_at, skip_reason FROM messages
     WHERE run_id IS NOT NULL AND status IN ('queued', 'sending')
       AND (sent_at IS NOT NULL OR failed_at IS NOT NULL OR skip_reason IS NOT NULL) LIMIT 5`,
  ).all();
  expect(hidden.results, "queued or sending run messages outside messages_run_open").toEqual([]);
});
