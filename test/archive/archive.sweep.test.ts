import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ARCHIVE_EVERY_MS, claimDueProjects } from "../../src/features/archive/sweep";
import worker from "../../src/index";
import { db, newProject, runQueueBatch } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { finishedRun, manifests } from "./archive.helpers";

const jobRow = (projectId: string) =>
  env.DB.prepare("SELECT queued_at, lease_until, before, finished_at FROM archive_jobs WHERE project_id = ?")
    .bind(projectId)
    .first<{
      queued_at: number | null;
      lease_until: number | null;
      before: number | null;
      finished_at: number | null;
    }>();

describe("the minute sweep's archive part", () => {
  it("queues each project once an hour, and not while a slice holds it", async () => {
    const p = await newProject("sweep");
    const now = Date.now() + 10 * ARCHIVE_EVERY_MS;
    expect(await claimDueProjects(db(), now)).toContain(p.id);
    expect((await jobRow(p.id))?.queued_at).toBe(now);
    // Within the hour: not again.
    expect(await claimDueProjects(db(), now + 60_000)).not.toContain(p.id);
    // An hour later, but a slice holds the lease: left to it.
    await env.DB.prepare("UPDATE archive_jobs SET lease_until = ? WHERE project_id = ?")
      .bind(now + 2 * ARCHIVE_EVERY_MS, p.id)
      .run();
    expect(await claimDueProjects(db(), now + ARCHIVE_EVERY_MS + 1)).not.toContain(p.id);
    await env.DB.prepare("UPDATE archive_jobs SET lease_until = NULL WHERE project_id = ?").bind(p.id).run();
    expect(await claimDueProjects(db(), now + ARCHIVE_EVERY_MS + 1)).toContain(p.id);
  });
});

describe("archiving by retention, from the every-minute cron", { timeout: 60_000 }, () => {
  it("archives a run finished longer ago than the project's retention, and only that", async () => {
    const { p, runId } = await finishedRun("d1");
    const recent = await finishedRun("d1");
    await env.DB.prepare("UPDATE projects SET retention_days = 7 WHERE id IN (?, ?)").bind(p.id, recent.p.id).run();
    await env.DB.prepare("UPDATE runs SET finished_at = ? WHERE id = ?")
      .bind(Date.now() - 8 * 86_400_000, runId)
      .run();
    await env.DB.prepare("UPDATE runs SET finished_at = ? WHERE id = ?")
      .bind(Date.now() - 6 * 86_400_000, recent.runId)
      .run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    // The jobs queue runs the slice.
    await eventually(
      () => manifests(p.id),
      (rows) => rows.length === 1 && rows[0]?.state === "pruned",
    );
    await eventually(
      () => jobRow(recent.p.id),
      // Its slice ran and found nothing due.
      (row) => row?.finished_at != null && row.lease_until === null,
    );
    expect(await manifests(recent.p.id)).toEqual([]);
  });
});

describe("the jobs queue's archive kind", { timeout: 60_000 }, () => {
  it("runs a slice and acks; a malformed body is acked and logged", async () => {
    const { p } = await finishedRun("d1");
    // Archive what finished before now (the retention is in days; the job's cutoff may be given).
    const { result } = await runQueueBatch("wa-campaigns-jobs", [
      {
        id: "archive-1",
        timestamp: new Date(),
        attempts: 1,
        body: { kind: "archive", projectId: p.id, before: Date.now() + 1000 },
      },
      { id: "archive-2", timestamp: new Date(), attempts: 1, body: { kind: "archive", projectId: 42 } },
      { id: "archive-3", timestamp: new Date(), attempts: 1, body: { kind: "archive", projectId: "prj_gone" } },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["archive-1", "archive-2", "archive-3"]);
    expect(result.retryMessages).toEqual([]);
    expect((await manifests(p.id)).map((m) => m.state)).toEqual(["pruned"]);
    expect(await jobRow(p.id)).toMatchObject({ lease_until: null, before: null });
  });

  it("retries a failed slice and records the error for the operator", async () => {
    const { p } = await finishedRun("d1");
    const broken = new Proxy(env.FILES, {
      get(target, prop) {
        if (prop === "put") return () => Promise.reject(new Error("injected R2 put failure"));
        const value = Reflect.get(target, prop);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const { result, retried } = await runQueueBatch(
      "wa-campaigns-jobs",
      [
        {
          id: "archive-f",
          timestamp: new Date(),
          attempts: 1,
          body: { kind: "archive", projectId: p.id, before: Date.now() + 1000 },
        },
      ],
      { ...env, FILES: broken } as Env,
    );
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["archive-f"]);
    expect(retried).toHaveLength(1);
    const row = await env.DB.prepare("SELECT error, lease_holder FROM archive_jobs WHERE project_id = ?")
      .bind(p.id)
      .first();
    expect(row).toEqual({ error: "the last slice failed; it is retried", lease_holder: "archive-f" });
    expect((await manifests(p.id)).map((m) => m.state)).toEqual(["writing"]);
  });
});
