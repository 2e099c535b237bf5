import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  forgetSnapshot,
  MAX_STALE_MS,
  projectSnapshot,
  SNAPSHOT_TTL_MS,
  snapshotQueries,
} from "../../src/features/contacts/snapshot";
import { base, send, setup } from "../api-campaigns/api-send.helpers";
import { measureD1 } from "../d1-cost";
import { db, newProject } from "../helpers";
import { eventually, getMessage } from "../messages/messages.helpers";
import { expectIndexed } from "../query-plan";

/** `count` contacts of the project, the first `optedOut` of them opted out, in one statement. */
async function seedContacts(projectId: string, count: number, optedOut: number) {
  const rows = Array.from({ length: count }, (_, i) => [`+9199${String(i).padStart(8, "0")}`, i < optedOut ? 1 : 0]);
  await env.DB.prepare(
    `INSERT INTO contacts (project_id, number, opted_out, updated_at)
     SELECT ?, value ->> 0, value ->> 1, 0 FROM json_each(?)`,
  )
    .bind(projectId, JSON.stringify(rows))
    .run();
  return rows.map(([number]) => number as string);
}

const optOut = (projectId: string, number: string) =>
  env.DB.prepare("UPDATE contacts SET opted_out = 1 WHERE project_id = ? AND number = ?").bind(projectId, number).run();

/** A `defer` that keeps the background loads, so the test can wait for them. */
function deferred() {
  const pending: Promise<unknown>[] = [];
  return {
    defer: (work: Promise<unknown>) => void pending.push(work),
    settle: async () => {
      await Promise.all(pending.splice(0));
    },
    get count() {
      return pending.length;
    },
  };
}

describe("opt-out snapshot: reads only the opted-out rows", () => {
  it("is served by the partial index contacts_opted_out, never a scan of the project's contacts", async () => {
    const p = await newProject();
    const plan = await expectIndexed(snapshotQueries(db(), p.id)[2], "contacts", "contacts_opted_out");
    expect(plan.join("\n")).toContain("COVERING INDEX");
  });

  it("reads no more rows for 3 opt-outs among 3,000 contacts than among 30", async () => {
    const small = await newProject();
    const large = await newProject();
    await seedContacts(small.id, 30, 3);
    const numbers = await seedContacts(large.id, 3_000, 3);
    const cost = async (projectId: string) => {
      const { result, cost } = await measureD1(env.DB, () => projectSnapshot(db(), projectId));
      return { optedOut: [...(result.optedOut ?? [])].sort(), rowsRead: cost.rowsRead };
    };
    const a = await cost(small.id);
    const b = await cost(large.id);
    expect(b.optedOut).toEqual(numbers.slice(0, 3));
    // Rows read grow with the opted-out count alone (a scan would read all 3,000).
    expect(b.rowsRead, JSON.stringify([a, b])).toBeLessThanOrEqual(a.rowsRead);
    expect(b.rowsRead).toBeLessThan(10);
  });
});

describe("opt-out snapshot: refreshed behind the request", () => {
  it("answers from a stale snapshot at once and loads a fresh one in the background", async () => {
    const p = await newProject();
    const [first, second] = await seedContacts(p.id, 2, 0);
    const t0 = Date.now();
    const loads = deferred();
    expect((await projectSnapshot(db(), p.id, t0, loads.defer)).optedOut).toEqual(new Set());
    expect(loads.count).toBe(0);

    await optOut(p.id, first as string);
    // Fresh: no D1 read, no refresh.
    expect((await projectSnapshot(db(), p.id, t0 + SNAPSHOT_TTL_MS - 1, loads.defer)).optedOut).toEqual(new Set());
    expect(loads.count).toBe(0);
    // Stale: the old answer now, one refresh behind it however many requests ask.
    const stale = t0 + SNAPSHOT_TTL_MS + 1;
    expect((await projectSnapshot(db(), p.id, stale, loads.defer)).optedOut).toEqual(new Set());
    expect((await projectSnapshot(db(), p.id, stale, loads.defer)).optedOut).toEqual(new Set());
    expect(loads.count).toBe(1);
    await loads.settle();
    expect((await projectSnapshot(db(), p.id, stale, loads.defer)).optedOut).toEqual(new Set([first]));

    // Too old to serve: loaded on the request path.
    await optOut(p.id, second as string);
    const old = stale + MAX_STALE_MS;
    expect((await projectSnapshot(db(), p.id, old, loads.defer)).optedOut).toEqual(new Set([first, second]));
    expect(loads.count).toBe(0);
  });

  it("drops a background load that an opt change overtook", async () => {
    const p = await newProject();
    const [first] = await seedContacts(p.id, 1, 0);
    const t0 = Date.now();
    const loads = deferred();
    await projectSnapshot(db(), p.id, t0, loads.defer);
    const stale = t0 + SNAPSHOT_TTL_MS + 1;
    await projectSnapshot(db(), p.id, stale, loads.defer);
    // The refresh is reading; an opt-out lands and is forgotten in this isolate.
    await optOut(p.id, first as string);
    forgetSnapshot(p.id);
    await loads.settle();
    // Whatever the refresh read, it was not kept: this answer comes from D1 now.
    expect((await projectSnapshot(db(), p.id, stale, loads.defer)).optedOut).toEqual(new Set([first]));
  });
});

describe("opt-out snapshot: never loses an opt-out", { timeout: 30_000 }, () => {
  it("a marketing send accepted on a stale snapshot is still skipped, never sent", async () => {
    const s = await setup({ category: "MARKETING", name: "promo", body: { text: "Hi {{1}}, sale ends {{2}}." } });
    const before = await send(base(s));
    expect(before.body).toMatchObject({ status: "queued" });
    // Sent, so the contact row exists and this isolate's snapshot is loaded (nobody opted out).
    await eventually(
      () => getMessage(s.sender, before.body.messageId),
      (r) => r.body.status === "read",
    );
    // A STOP handled by another isolate: this one's snapshot is not told.
    await env.DB.prepare("UPDATE contacts SET opted_out = 1, opt_changed_at = ? WHERE project_id = ? AND number = ?")
      .bind(Date.now(), s.id, base(s).destination)
      .run();
    const after = await send({ ...base(s), templateParams: ["Asha", "#2"] });
    expect(after.body).toMatchObject({ status: "queued", skipReason: null });
    const message = await eventually(
      () => getMessage(s.sender, after.body.messageId),
      (r) => r.status === 200 && r.body.status !== "queued",
    );
    expect(message.body).toMatchObject({ status: "skipped", skipReason: "opted_out", wamid: null, attempts: 0 });
  });
});
