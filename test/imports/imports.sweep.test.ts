import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runImportChunk } from "../../src/features/imports/job";
import { STALLED_IMPORT_MS, SWEEP_IMPORTS_LIMIT, sweepStalledImports } from "../../src/features/imports/sweep";
import type { ImportJob } from "../../src/queues/contracts";
import { db, newProject } from "../helpers";
import { importCounters, log, recordingJobs, runChunks, stagedImport } from "./imports.helpers";

const CSV = "number,first_name\n+919800000001,Asha\n+919800000002,Bela\n+919800000003,Chen\n";
const STALLED = Date.now() - STALLED_IMPORT_MS - 60_000;

async function lastMoved(importId: string, at: number) {
  await env.DB.prepare("UPDATE imports SET updated_at = ? WHERE id = ?").bind(at, importId).run();
}

const byImport = (jobs: unknown[]) =>
  [...(jobs as ImportJob[])].sort((a, b) => (a.importId < b.importId ? -1 : a.importId > b.importId ? 1 : 0));

describe("CSV imports: the sweep", () => {
  it("re-queues each import that stopped moving, once, from the chunk it stopped in", async () => {
    const p = await newProject();
    const target = (groupId: string) => ({ kind: "variable_group" as const, groupId });
    // Never queued; stopped after its first chunk; recent; completed; failed.
    const orphan = await stagedImport(p.id, CSV, target("orphan"));
    const halfway = { ...(await stagedImport(p.id, CSV, target("halfway"))), chunkRows: 2 };
    const next = await runImportChunk({ env, db: db(), log }, halfway);
    const recent = await stagedImport(p.id, CSV, target("recent"));
    const completed = await stagedImport(p.id, CSV, target("completed"));
    await runChunks(completed);
    const failed = await stagedImport(p.id, CSV, target("failed"));
    await env.DB.prepare("UPDATE imports SET status = 'failed' WHERE id = ?").bind(failed.importId).run();
    for (const job of [orphan, halfway, completed, failed]) await lastMoved(job.importId, STALLED);

    const jobs = recordingJobs();
    expect(await sweepStalledImports(jobs.env)).toEqual({ requeued: 2 });
    const halfwayOffset = (await importCounters(halfway.importId))?.bytesRead;
    expect(next).toEqual({ ...halfway, offset: halfwayOffset });
    expect(byImport(jobs.sent)).toEqual(
      byImport([
        { kind: "import", importId: orphan.importId, projectId: p.id, offset: 0 },
        { kind: "import", importId: halfway.importId, projectId: p.id, offset: halfwayOffset },
      ]),
    );
    // Claimed: the next minute's sweep leaves them to the jobs it queued.
    expect(await sweepStalledImports(jobs.env)).toEqual({ requeued: 0 });
    expect(await importCounters(recent.importId)).toMatchObject({ status: "queued" });

    for (const job of jobs.sent) await runChunks(job as ImportJob);
    for (const job of [orphan, halfway]) {
      expect(await importCounters(job.importId)).toEqual({
        status: "completed",
        bytesRead: CSV.length,
        lines: 4,
        rowsDone: 3,
        rowsRejected: 0,
      });
    }
  });

  it("takes at most 100 stalled imports a minute, binding a few parameters whatever their number", async () => {
    const p = await newProject();
    const ids = Array.from({ length: 150 }, (_, i) => `imp_stalled${String(i).padStart(13, "0")}`);
    await env.DB.prepare(
      `INSERT INTO imports (id, project_id, kind, r2_key, status, bytes_read, chunk_offset, updated_at)
       SELECT value, ?, 'audience', 'imports/none.csv', 'running', 40, 40, ? FROM json_each(?)`,
    )
      .bind(p.id, STALLED, JSON.stringify(ids))
      .run();

    const jobs = recordingJobs();
    expect(SWEEP_IMPORTS_LIMIT).toBe(100);
    expect(await sweepStalledImports(jobs.env)).toEqual({ requeued: 100 });
    expect(await sweepStalledImports(jobs.env)).toEqual({ requeued: 50 });
    expect(await sweepStalledImports(jobs.env)).toEqual({ requeued: 0 });
    expect(byImport(jobs.sent)).toEqual(
      ids.map((importId) => ({ kind: "import", importId, projectId: p.id, offset: 40 })),
    );
  });
});
