import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runArchiveSlice } from "../../src/features/archive/job";
import { pruneLedgerUnit } from "../../src/features/archive/ledger-unit";
import type { ManifestRow } from "../../src/features/archive/store";
import { runLedger } from "../../src/features/run-ledger";
import { archives } from "../../src/platform/db/schema";
import { ledgerMessageId } from "../../src/platform/ids";
import {
  archiveAll,
  count,
  deps,
  finishedRun,
  MEMBERS,
  manifests,
  objectIds,
  readEverything,
  retarget,
} from "../archive/archive.helpers";
import { call, db, newProject } from "../helpers";
import { eventually } from "../messages/messages.helpers";

// Archiving a run whose messages are in its own object (src/features/archive/ledger-unit.ts): the
// object is read into the same NDJSON as a D1 run, emptied, and its wamid routes deleted; every
// read answers as before, from R2. Sandbox endings: 0000 not on WhatsApp, 1111 fails after
// sending, 2222 delivered and never read, any other read.

/** `finishedRun` kept in its own object, once the object has handed every move over. */
async function finishedObjectRun() {
  const { p, campaignId, runId } = await finishedRun("object");
  const ref = (
    await env.DB.prepare("SELECT ref FROM runs WHERE id = ? AND ledger = 'object'").bind(runId).first<{ ref: string }>()
  )?.ref as string;
  const ledger = runLedger(env, ref);
  await eventually(
    () => ledger.pendingLog(),
    (n) => n === 0,
  );
  const rows = await ledger.page(0, 100);
  const ids = rows.map((r) => ledgerMessageId(ref, r.slot));
  const slotOf = (number: string) => rows.find((r) => r.number === number)?.slot as number;
  return { p, campaignId, runId, ref, ids, slotOf };
}

const routesOf = (ids: string[]) =>
  count(
    "SELECT count(*) AS n FROM wamid_routes WHERE message_id IN (SELECT value FROM json_each(?))",
    JSON.stringify(ids),
  );

const OUTCOMES = [
  ["failed", "failed"],
  ["unread", "delivered_not_read"],
  ["read", "read"],
] as const;

describe("archiving a run kept in its own object", { timeout: 90_000 }, () => {
  it("moves its messages to R2, empties the object, and every read answers as before", async () => {
    const { p, campaignId, runId, ref, ids, slotOf } = await finishedObjectRun();
    const readId = ledgerMessageId(ref, slotOf(MEMBERS[3] as string));
    // Every message was sent (the sandbox fails 0000 and 1111 by status): five routes.
    expect(await routesOf(ids)).toBe(5);

    const before = await readEverything(p, campaignId, runId, readId);
    const billing = () => call("GET", `/v1/runs/${runId}/billing`, { key: p.manager });
    const failures = () => call("GET", `/v1/runs/${runId}/failures`, { key: p.manager });
    const [billingBefore, failuresBefore] = [await billing(), await failures()];
    expect(failuresBefore.body.failures.reduce((n: number, f: { count: number }) => n + f.count, 0)).toBe(2);
    const audiencesBefore = new Map<string, string[]>();
    for (const [name, outcome] of OUTCOMES) {
      const made = await retarget(p.manager, runId, `b-${name}`, outcome);
      audiencesBefore.set(name, made.members.contacts.map((c: { number: string }) => c.number).sort());
    }
    expect(audiencesBefore.get("read")).toEqual([MEMBERS[3], MEMBERS[4]]);

    await archiveAll(p.id);

    const [manifest, ...more] = await manifests(p.id);
    expect(more).toEqual([]);
    expect(manifest).toMatchObject({
      state: "pruned",
      messages: ids.length,
      r2_key: `archive/${p.id}/${campaignId}/${runId}.ndjson.gz`,
      first_message_id: ids[0],
      last_message_id: ids.at(-1),
    });
    expect(await objectIds(manifest?.r2_key as string)).toEqual(ids);
    // The object holds nothing of the run any more, and D1 none of its routes.
    const ledger = runLedger(env, ref);
    expect(await ledger.page(0, 100)).toEqual([]);
    expect(await ledger.counts()).toMatchObject({ queued: 0, sent: 0, read: 0, failed: 0 });
    expect(await routesOf(ids)).toBe(0);

    expect(await readEverything(p, campaignId, runId, readId)).toEqual(before);
    expect((await billing()).body).toEqual(billingBefore.body);
    expect((await failures()).body).toEqual(failuresBefore.body);
    for (const [name, outcome] of OUTCOMES) {
      const made = await retarget(p.manager, runId, `a-${name}`, outcome);
      expect(made.members.contacts.map((c: { number: string }) => c.number).sort()).toEqual(audiencesBefore.get(name));
    }
    // A status that comes after the archive changes nothing and breaks nothing.
    const late = await ledger.statuses(p.id, [
      { slot: slotOf(MEMBERS[2] as string), change: { status: "read", at: Date.now() } },
    ]);
    expect(late.moves).toEqual([]);

    const other = await newProject("other");
    expect((await call("GET", `/v1/messages/${readId}`, { key: other.manager })).status).toBe(404);
    expect((await call("GET", `/v1/runs/${runId}/billing`, { key: other.manager })).status).toBe(404);
  });

  it("loses and doubles nothing when the write fails, or a status comes between the write and the emptying", async () => {
    const { p, campaignId, runId, ref, ids, slotOf } = await finishedObjectRun();
    const readId = ledgerMessageId(ref, slotOf(MEMBERS[3] as string));
    const unread = ledgerMessageId(ref, slotOf(MEMBERS[2] as string));
    const before = await readEverything(p, campaignId, runId, readId);
    const ledger = runLedger(env, ref);
    const slice = (bindings: Env) =>
      runArchiveSlice(deps(bindings), { kind: "archive", projectId: p.id, before: Date.now() + 1000 }, "crash-holder");

    // 1. The R2 write fails: the manifest stays `writing`, the object keeps every message.
    await expect(
      slice(withBucket(() => () => Promise.reject(new Error("injected R2 put failure")), 1)),
    ).rejects.toThrow(/injected R2 put/);
    expect((await manifests(p.id)).map((m) => m.state)).toEqual(["writing"]);
    expect(await ledger.page(0, 100)).toHaveLength(ids.length);
    expect(await readEverything(p, campaignId, runId, readId)).toEqual(before);

    // 2. Meta's read of the unread message lands right after the write: the object is not emptied
    // with that move only in it; the unit is written again with it.
    const readLate = withBucket(
      (put) =>
        async (...args: unknown[]) => {
          const result = await put(...args);
          await ledger.statuses(p.id, [
            { slot: slotOf(MEMBERS[2] as string), change: { status: "read", at: Date.now() } },
          ]);
          return result;
        },
      1,
    );
    await slice(readLate);
    await archiveAll(p.id, "crash-holder");
    const [manifest] = await manifests(p.id);
    expect(manifest).toMatchObject({ state: "pruned", messages: ids.length });
    expect(await objectIds(manifest?.r2_key as string)).toEqual(ids);
    const message = await call("GET", `/v1/messages/${unread}`, { key: p.manager });
    expect(message.body.status).toBe("read");
    const run = await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key: p.manager }),
      (r) => r.body.run.results.Read === 3,
    );
    expect(run.body.run.results).toMatchObject({ Read: 3, Delivered: 3 });
    expect(await ledger.page(0, 100)).toEqual([]);
  });

  it("deletes a big run's routes over several slices, each going on where the last stopped", async () => {
    const { p, ids, ref } = await finishedObjectRun();
    // The object is written, then reading it back for the routes fails: the manifest stays `written`.
    const unreadable = withBucket(() => () => Promise.reject(new Error("injected R2 get failure")), 1, "get");
    await expect(
      runArchiveSlice(deps(unreadable), { kind: "archive", projectId: p.id, before: Date.now() + 1000 }, "routes"),
    ).rejects.toThrow(/injected R2 get/);
    const written = async () =>
      (await db().select().from(archives).where(eq(archives.projectId, p.id)).get()) as ManifestRow;
    expect((await written()).state).toBe("written");
    expect(await routesOf(ids)).toBe(5);
    // Each call past its deadline deletes one statement's routes (two here) and keeps its place.
    const left: number[] = [];
    let pruned: ManifestRow | null = null;
    for (let call = 0; call < 5 && !pruned; call++) {
      pruned = await pruneLedgerUnit(env, db(), await written(), ref, 0, 2);
      left.push(await routesOf(ids));
    }
    expect(left).toEqual([3, 1, 0]);
    expect(pruned).toMatchObject({ state: "pruned", routesThrough: ids.at(-1) });
  });
});

/** The files bucket whose `method` (`put` unless named) is replaced by `wrap(it)` for its next `times` calls. */
function withBucket(
  wrap: (put: (...args: unknown[]) => Promise<unknown>) => (...args: unknown[]) => Promise<unknown>,
  times: number,
  method: "put" | "get" = "put",
): Env {
  let left = times;
  const bucket = new Proxy(env.FILES, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === method) {
        const put = (...args: unknown[]) => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        return (...args: unknown[]) => (left-- > 0 ? wrap(put)(...args) : put(...args));
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { ...env, FILES: bucket } as Env;
}
