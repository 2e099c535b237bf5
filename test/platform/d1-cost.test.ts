import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/platform/db/client";
import { projects } from "../../src/platform/db/schema";
import { measureD1, UNMETERED } from "../d1-cost";

// The meter behind every cost test and the storage benchmark: a statement it missed would make a
// figure look better than D1's bill. Each way the binding runs a statement is counted once.

describe("the D1 cost meter", () => {
  it("counts a statement however it is run: all, run, first, raw, a batch, and drizzle's reads", async () => {
    const db = createDb(env.DB);
    const { cost } = await measureD1(
      env.DB,
      async () => {
        await env.DB.prepare("SELECT 1").all();
        await env.DB.prepare("SELECT 1").run();
        await env.DB.prepare("SELECT 1").first();
        await env.DB.prepare("SELECT 1").raw();
        await env.DB.batch([env.DB.prepare("SELECT 1"), env.DB.prepare("SELECT 2")]);
        await db.select({ id: projects.id }).from(projects).limit(1);
        await db.select({ id: projects.id }).from(projects).limit(1).get();
      },
      { bySql: true },
    );
    expect(cost.statements).toBe(8);
    expect(cost.bySql?.get("SELECT 1")?.statements).toBe(5);
  });

  it("leaves out the harness's own statements, marked as unmetered", async () => {
    const { cost } = await measureD1(env.DB, async () => {
      await env.DB.prepare(`${UNMETERED}SELECT 1`).first();
      await env.DB.prepare("SELECT 1").first();
    });
    expect(cost.statements).toBe(1);
  });

  it("counts the rows a statement reads, as D1 reports them", async () => {
    await env.DB.prepare("CREATE TABLE IF NOT EXISTS meter_rows (n INTEGER)").run();
    await env.DB.prepare("INSERT INTO meter_rows (n) VALUES (1), (2), (3)").run();
    const { cost } = await measureD1(env.DB, () => env.DB.prepare("SELECT n FROM meter_rows").raw());
    expect(cost.statements).toBe(1);
    expect(cost.rowsRead).toBe(3);
  });
});
