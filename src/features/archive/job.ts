import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { archiveJobs, archives, projects } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import { backoffSeconds } from "../../queues/backoff";
import type { ArchiveJob } from "../../queues/contracts";
import { sendJobs } from "../../queues/producers";
import { objectRunRef } from "../run-ledger/run-ref";
import { pruneLedgerUnit, writeLedgerUnit } from "./ledger-unit";
import { OutboxBehindError, pruneUnit } from "./prune";
import { archiveKey, type ManifestRow, unitKey } from "./store";
import { dueUnit } from "./units";
import { type WriteOptions, writeUnit } from "./write-unit";

// One job is one slice of a project's archiving: it takes the project's lease, finishes the unit
// under way (a manifest still `writing` or `written`) and goes on with due units until SLICE_MS
// has passed, then queues the next slice. The manifest is the checkpoint: whatever stopped a slice
// (a crash, a failed write or delete), the next one resumes from the state it recorded.

const DAY_MS = 86_400_000;
/** Work per slice: well inside a queue consumer's limits, and a retry redoes little. */
export const SLICE_MS = 20_000;
/**
 * A queue consumer lives at most 15 minutes, so a lease this long outlives any slice (a slice
 * finishes the unit it is writing, past SLICE_MS): two slices never write one unit at once. A
 * holder that vanished frees the project this long after it took it; its retries keep the lease.
 */
export const LEASE_MS = 15 * 60_000;
export const MAX_ATTEMPTS = 8;

interface Deps {
  env: Env;
  db: Db;
  log: Logger;
}

export type SliceResult = "done" | "more" | "busy" | "gone";

/** Takes the project's lease for `holder` (a queue message id: its retries keep the lease). */
async function takeLease(db: Db, projectId: string, holder: string, now: number) {
  const rows = await db.all<{ before: number | null }>(sql`
    INSERT INTO archive_jobs (project_id, lease_holder, lease_until, started_at, updated_at)
    SELECT id, ${holder}, ${now + LEASE_MS}, ${now}, ${now} FROM projects WHERE id = ${projectId}
    ON CONFLICT (project_id) DO UPDATE SET lease_holder = excluded.lease_holder, lease_until = excluded.lease_until,
      started_at = excluded.started_at, updated_at = excluded.updated_at
    WHERE archive_jobs.lease_until IS NULL OR archive_jobs.lease_until < ${now} OR archive_jobs.lease_holder = ${holder}
    RETURNING before`);
  return rows[0] ?? null;
}

async function resumable(db: Db, projectId: string) {
  return db
    .select()
    .from(archives)
    .where(and(eq(archives.projectId, projectId), inArray(archives.state, ["writing", "written"])))
    .orderBy(archives.id)
    .get();
}

/** The manifest of the next unit due, created as `writing`; null when nothing is due. */
async function nextManifest(db: Db, projectId: string, before: number): Promise<ManifestRow | null> {
  const open = await resumable(db, projectId);
  if (open) return open;
  const unit = await dueUnit(db, projectId, before);
  if (!unit) return null;
  const now = Date.now();
  await db
    .insert(archives)
    .values({
      projectId,
      ...unit,
      unit: unitKey(unit),
      r2Key: archiveKey(projectId, unit),
      state: "writing",
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing();
  return (await resumable(db, projectId)) ?? null;
}

/** One slice of the project's archiving, for queue message `holder`. */
export async function runArchiveSlice(deps: Deps, job: ArchiveJob, holder: string, options: WriteOptions = {}) {
  const { env, db } = deps;
  const started = Date.now();
  const project = await db
    .select({ days: projects.retentionDays })
    .from(projects)
    .where(eq(projects.id, job.projectId))
    .get();
  if (!project) return "gone" satisfies SliceResult;
  const lease = await takeLease(db, job.projectId, holder, started);
  if (!lease) return "busy" satisfies SliceResult;
  // An operator's "archive now" may have reached a job that found the lease taken: it left its
  // cutoff on the row, and whoever holds the lease honours it.
  const before = Math.max(started - project.days * DAY_MS, job.before ?? 0, lease.before ?? 0);
  const deadline = started + SLICE_MS;
  let done = false;
  while (Date.now() < deadline) {
    let manifest = await nextManifest(db, job.projectId, before);
    if (!manifest) {
      done = true;
      break;
    }
    // A run kept in its own object is read from there and emptied (./ledger-unit.ts).
    const ref = manifest.runId === null ? null : await objectRunRef(db, job.projectId, manifest.runId);
    if (manifest.state === "writing") {
      manifest = ref
        ? await writeLedgerUnit(env, db, manifest, ref, options)
        : await writeUnit(env, db, manifest, options);
      // Another writer's snapshot won the compare-and-set: the next round reads the manifest again.
      if (!manifest) continue;
      deps.log.info("archive written", { projectId: job.projectId, unit: manifest.unit, messages: manifest.messages });
    }
    if (manifest.state === "written") {
      if (ref) await pruneLedgerUnit(env, db, manifest, ref, deadline);
      else await pruneUnit(env, db, manifest, deadline);
    }
  }
  const now = Date.now();
  await db
    .update(archiveJobs)
    .set({
      leaseHolder: null,
      leaseUntil: null,
      updatedAt: now,
      error: null,
      ...(done
        ? {
            finishedAt: now,
            before: sql`CASE WHEN ${archiveJobs.before} <= ${before} THEN NULL ELSE ${archiveJobs.before} END`,
          }
        : {}),
    })
    .where(and(eq(archiveJobs.projectId, job.projectId), eq(archiveJobs.leaseHolder, holder)));
  return (done ? "done" : "more") satisfies SliceResult;
}

const isArchiveJob = (body: unknown): body is ArchiveJob =>
  typeof body === "object" &&
  body !== null &&
  typeof (body as ArchiveJob).projectId === "string" &&
  ((body as ArchiveJob).before === undefined || typeof (body as ArchiveJob).before === "number");

/** The `jobs` queue handler for kind "archive": one slice, then the next one queued. */
export async function handleArchiveMessage(message: Message<unknown>, deps: Deps) {
  const body = message.body;
  if (!isArchiveJob(body)) {
    deps.log.error("malformed archive job", { messageId: message.id });
    message.ack();
    return;
  }
  try {
    const result = await runArchiveSlice(deps, body, message.id);
    if (result === "more")
      await sendJobs(deps.env, [{ kind: "archive", projectId: body.projectId, before: body.before }]);
    message.ack();
  } catch (err) {
    const error = err instanceof OutboxBehindError ? err.message : "the last slice failed; it is retried";
    await deps.db
      .update(archiveJobs)
      .set({ error, updatedAt: Date.now() })
      .where(eq(archiveJobs.projectId, body.projectId))
      .catch(() => undefined);
    if (message.attempts >= MAX_ATTEMPTS) {
      // Nothing is lost: the manifest holds the position, and the hourly sweep queues the project again.
      deps.log.error("archive slice failed for good", { projectId: body.projectId, err });
      message.ack();
      return;
    }
    deps.log.warn("archive slice failed; retrying", { projectId: body.projectId, attempts: message.attempts, err });
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
  }
}
