import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { FLUSH_ROWS, handleImportMessage, runImportChunk } from "../../src/features/imports/job";
import worker from "../../src/index";
import { createDb } from "../../src/platform/db/client";
import type { ImportJob } from "../../src/queues/contracts";
import { db, newProject } from "../helpers";
import {
  audienceMembers,
  fakeMessage,
  finished,
  groupValues,
  importCounters,
  log,
  recordingJobs,
  runChunks,
  stagedImport,
  storedRejects,
} from "./imports.helpers";

// A number given three times, in three chunks of two rows (chunkRows 2): each later row renames the
// contact, so a chunk applied again after a later one shows as an older name coming back.
const RENAMED = [
  "number,name,source",
  "+919800000001,Asha,web",
  "+919800000002,Bela,web",
  "+919800000001,Asha Rao,",
  "12345,Bad,",
  "+919800000003,Chen,shop",
  "+919800000001,Asha R. Rao,crm",
  "",
].join("\n");

// FLUSH_ROWS + 105 data rows: X first as "Old" and, FLUSH_ROWS + 100 rows later, as "New"; one
// invalid number. With chunkRows FLUSH_ROWS + 101 the first chunk writes two batches or more: X=Old, then X=New. The
// second column is a variable (variable groups) or the contact's name (audiences).
const X = "+919700000000";
function twoBatchCsv(column: "first_name" | "name") {
  const lines = [`number,${column}`, `${X},Old`];
  for (let i = 1; i < FLUSH_ROWS + 100; i++)
    lines.push(i === 1000 ? "123,Bad" : `+9198${String(i).padStart(8, "0")},N${i}`);
  lines.push(`${X},New`);
  for (let i = FLUSH_ROWS + 100; i < FLUSH_ROWS + 104; i++) lines.push(`+9198${String(i).padStart(8, "0")},N${i}`);
  return `${lines.join("\n")}\n`;
}
const FIRST_CHUNK_ROWS = FLUSH_ROWS + 101;

type Kind = "variable_group" | "audience";
const KINDS: [Kind, "first_name" | "name"][] = [
  ["variable_group", "first_name"],
  ["audience", "name"],
];
/** A variable group with an audience of the same id, or an audience alone. */
const targetOf = (kind: Kind, id: string) =>
  kind === "audience" ? { kind, audienceId: id } : { kind, groupId: id, audienceId: id };

async function snapshot(projectId: string, importId: string, audienceId: string) {
  return {
    counters: await importCounters(importId),
    members: await audienceMembers(projectId, audienceId),
    rejects: await storedRejects(importId),
  };
}

async function outcome(projectId: string, importId: string, id: string) {
  return { ...(await snapshot(projectId, importId, id)), values: await groupValues(projectId, id) };
}

/** What X holds now: its variable in the group, or its contact's name. */
async function xNow(projectId: string, kind: Kind, id: string) {
  if (kind === "variable_group") return (await groupValues(projectId, id))[X]?.first_name;
  return (await audienceMembers(projectId, id)).find((m) => m.number === X)?.name;
}

/** The same import done once, plainly, into its own target: what every other run must equal. */
async function reference(projectId: string, kind: Kind, csv: string) {
  const job = await stagedImport(projectId, csv, targetOf(kind, "ref"));
  await runChunks(job);
  expect(await xNow(projectId, kind, "ref")).toBe("New");
  return outcome(projectId, job.importId, "ref");
}

/** A D1 binding whose `failing`-th batch fails before reaching the database. */
function d1FailingBatch(failing: number): D1Database {
  let batches = 0;
  return new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          batches += 1;
          if (batches === failing) return Promise.reject(new Error("D1_ERROR: network connection lost"));
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("CSV imports: each chunk applies once", { timeout: 30_000 }, () => {
  it("does nothing for a chunk job delivered again, or for an older chunk's job, after the chain moved on", async () => {
    const p = await newProject();
    const deps = { env, db: db(), log };
    const first: ImportJob = {
      ...(await stagedImport(p.id, RENAMED, { kind: "audience", audienceId: "late" })),
      chunkRows: 2,
    };
    const second = await runImportChunk(deps, first);
    expect(second).not.toBeNull();
    const third = await runImportChunk(deps, second as ImportJob);
    expect(third).not.toBeNull();

    const before = await snapshot(p.id, first.importId, "late");
    expect(before).toEqual({
      counters: { status: "running", bytesRead: 100, lines: 5, rowsDone: 3, rowsRejected: 1 },
      members: [
        { number: "+919800000001", name: "Asha Rao", source: "web" },
        { number: "+919800000002", name: "Bela", source: "web" },
      ],
      rejects: [{ line: 5, number: "12345", reason: "number is not a valid phone number" }],
    });
    // The second chunk's job again (a redelivery), then the first's (a late copy of an old offset).
    for (const late of [second, first]) {
      const { message, decisions } = fakeMessage(late);
      await handleImportMessage(message, deps);
      expect(decisions).toEqual({ ack: 1, retry: [] });
      expect(await snapshot(p.id, first.importId, "late")).toEqual(before);
    }

    await runChunks(third as ImportJob);
    expect(await snapshot(p.id, first.importId, "late")).toEqual({
      counters: { status: "completed", bytesRead: RENAMED.length, lines: 7, rowsDone: 5, rowsRejected: 1 },
      members: [
        { number: "+919800000001", name: "Asha R. Rao", source: "crm" },
        { number: "+919800000002", name: "Bela", source: "web" },
        { number: "+919800000003", name: "Chen", source: "shop" },
      ],
      rejects: before.rejects,
    });
  });

  it("takes a job queued before jobs carried their offset as the chunk under way", async () => {
    const p = await newProject();
    const deps = { env, db: db(), log };
    const first: ImportJob = {
      ...(await stagedImport(p.id, RENAMED, { kind: "audience", audienceId: "legacy" })),
      chunkRows: 2,
    };
    const second = await runImportChunk(deps, first);
    const { offset, ...legacy } = first;
    expect(offset).toBe(0);
    // The second and third chunks, then the one that finds the end of the file.
    expect(await runChunks(legacy)).toBe(3);
    expect(await runImportChunk(deps, second as ImportJob)).toBeNull();
    expect(await snapshot(p.id, first.importId, "legacy")).toMatchObject({
      counters: { status: "completed", bytesRead: RENAMED.length, lines: 7, rowsDone: 5, rowsRejected: 1 },
      members: [
        { number: "+919800000001", name: "Asha R. Rao", source: "crm" },
        { number: "+919800000002", name: "Bela", source: "web" },
        { number: "+919800000003", name: "Chen", source: "shop" },
      ],
    });
  });

  it.each(KINDS)(
    "applies a chunk once when a second copy of its job runs at the same time and writes late (%s)",
    async (kind, column) => {
      const p = await newProject();
      const csv = twoBatchCsv(column);
      const expected = await reference(p.id, kind, csv);
      expect(expected.counters).toEqual({
        status: "completed",
        bytesRead: csv.length,
        lines: FLUSH_ROWS + 106,
        rowsDone: FLUSH_ROWS + 104,
        rowsRejected: 1,
      });

      const job: ImportJob = {
        ...(await stagedImport(p.id, csv, targetOf(kind, "twice"))),
        chunkRows: FIRST_CHUNK_ROWS,
      };
      // The second copy reads the file only once the first has finished its chunk: the scheduler
      // would otherwise run both in step and hide the race a slow R2 read or D1 call opens.
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const jobs = recordingJobs();
      const slowFiles = {
        get: async (key: string, options?: R2GetOptions) => {
          await gate;
          return env.FILES.get(key, options);
        },
        delete: (keys: string | string[]) => env.FILES.delete(keys),
      } as unknown as R2Bucket;
      const a = fakeMessage(job);
      const b = fakeMessage(job);
      await Promise.all([
        handleImportMessage(a.message, { env: jobs.env, db: db(), log }).finally(release),
        handleImportMessage(b.message, { env: { ...jobs.env, FILES: slowFiles }, db: db(), log }),
      ]);
      expect([a.decisions, b.decisions]).toEqual([
        { ack: 1, retry: [] },
        { ack: 1, retry: [] },
      ]);
      // One chain goes on: the copy that wrote its chunk queued the next one; the other nothing.
      expect(jobs.sent).toHaveLength(1);
      expect(await xNow(p.id, kind, "twice")).toBe("New");

      await runChunks(jobs.sent[0] as ImportJob);
      expect(await outcome(p.id, job.importId, "twice")).toEqual(expected);
    },
  );

  it("resumes a chunk retried after a failure between its batches, from the batch it had saved", async () => {
    const p = await newProject();
    const csv = twoBatchCsv("first_name");
    const expected = await reference(p.id, "variable_group", csv);
    const job: ImportJob = {
      ...(await stagedImport(p.id, csv, targetOf("variable_group", "retried"))),
      chunkRows: FIRST_CHUNK_ROWS,
    };
    const jobs = recordingJobs();
    const failed = fakeMessage(job, 1);
    await handleImportMessage(failed.message, { env: jobs.env, db: createDb(d1FailingBatch(2)), log });
    expect(failed.decisions).toEqual({ ack: 0, retry: [5] });
    // The first batch was saved whole (its rows, counters and position together), the second not.
    const saved = await importCounters(job.importId);
    expect(saved?.status).toBe("running");
    const lines = saved?.lines ?? 0;
    expect(lines).toBeGreaterThan(1);
    expect(lines).toBeLessThan(FIRST_CHUNK_ROWS);
    expect((saved?.rowsDone ?? 0) + (saved?.rowsRejected ?? 0)).toBe(lines - 1);
    expect(saved?.bytesRead).toBe(new TextEncoder().encode(`${csv.split("\n").slice(0, lines).join("\n")}\n`).length);

    const retried = fakeMessage(job, 2);
    await handleImportMessage(retried.message, { env: jobs.env, db: db(), log });
    expect(retried.decisions).toEqual({ ack: 1, retry: [] });
    // Resumed at the saved batch, the retry's own chunk reaches the end of the file.
    expect(jobs.sent).toEqual([]);
    expect(await outcome(p.id, job.importId, "retried")).toEqual(expected);
  });

  it("completes, from the every-minute cron, an import whose first chunk job was never queued", async () => {
    const p = await newProject();
    const csv = "number,first_name\n+919800000001,Asha\n12,Bad\n+919800000002,Bela\n";
    // As if the Worker stopped between writing the import and queueing its first chunk, an hour ago.
    const job = await stagedImport(p.id, csv, { kind: "variable_group", groupId: "orphan" });
    await env.DB.prepare("UPDATE imports SET updated_at = ? WHERE id = ?")
      .bind(Date.now() - 60 * 60_000, job.importId)
      .run();

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);

    expect(await finished(p.manager, job.importId)).toMatchObject({
      status: "completed",
      rowsDone: 2,
      rowsRejected: 1,
      bytesRead: csv.length,
      progress: 1,
    });
    expect(await groupValues(p.id, "orphan")).toEqual({
      "+919800000001": { first_name: "Asha" },
      "+919800000002": { first_name: "Bela" },
    });
    expect(await storedRejects(job.importId)).toEqual([
      { line: 3, number: "12", reason: "number is not a valid phone number" },
    ]);
  });
});
