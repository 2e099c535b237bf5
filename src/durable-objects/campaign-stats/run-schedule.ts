import { sendJobs } from "../../queues/producers";

// The campaign's scheduled runs: kept in its CampaignStats object's SQLite, with the object's one
// storage alarm set to the earliest of them, so every run of the campaign shares that alarm.

export interface ScheduledRun {
  runId: string;
  projectId: string;
  at: number;
}

export function createScheduleTable(sql: SqlStorage): void {
  sql.exec(
    "CREATE TABLE IF NOT EXISTS scheduled_runs (run_id TEXT PRIMARY KEY, project_id TEXT NOT NULL, at INTEGER NOT NULL)",
  );
}

/** Puts the run on the schedule at `at` (Unix ms), or moves it there, and re-arms the alarm. */
export async function scheduleRun(
  storage: DurableObjectStorage,
  runId: string,
  projectId: string,
  at: number,
): Promise<void> {
  storage.sql.exec(
    "INSERT INTO scheduled_runs (run_id, project_id, at) VALUES (?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET at = excluded.at",
    runId,
    projectId,
    at,
  );
  await armForNextRun(storage);
}

/** Takes a run off the schedule and re-arms the alarm. Returns whether it was on it. */
export async function unscheduleRun(storage: DurableObjectStorage, runId: string): Promise<boolean> {
  const removed = storage.sql.exec("DELETE FROM scheduled_runs WHERE run_id = ? RETURNING run_id", runId);
  const found = removed.toArray().length > 0;
  await armForNextRun(storage);
  return found;
}

/** The runs waiting for their time, earliest first. */
export function scheduledRuns(sql: SqlStorage): ScheduledRun[] {
  return sql
    .exec<{ run_id: string; project_id: string; at: number }>(
      "SELECT run_id, project_id, at FROM scheduled_runs ORDER BY at, run_id",
    )
    .toArray()
    .map((r) => ({ runId: r.run_id, projectId: r.project_id, at: r.at }));
}

/**
 * Hands every due run to the jobs queue as a `run-start` job, then re-arms for the next one. The
 * runs leave the schedule only after their jobs were accepted: if the queue refuses, this throws
 * (the alarm with it, and the runtime retries the alarm), and a duplicate job finds the run
 * already started.
 */
export async function startDueRuns(storage: DurableObjectStorage, env: Pick<Env, "JOBS">): Promise<void> {
  const due = storage.sql
    .exec<{ run_id: string; project_id: string }>(
      "SELECT run_id, project_id FROM scheduled_runs WHERE at <= ? ORDER BY at LIMIT 1000",
      Date.now(),
    )
    .toArray();
  await sendJobs(
    env,
    due.map((r) => ({ kind: "run-start", runId: r.run_id, projectId: r.project_id })),
  );
  for (const r of due) storage.sql.exec("DELETE FROM scheduled_runs WHERE run_id = ?", r.run_id);
  await armForNextRun(storage);
}

async function armForNextRun(storage: DurableObjectStorage): Promise<void> {
  const next = storage.sql.exec<{ at: number }>("SELECT min(at) AS at FROM scheduled_runs").toArray()[0]?.at;
  if (next === null || next === undefined) await storage.deleteAlarm();
  else if ((await storage.getAlarm()) !== next) await storage.setAlarm(next);
}
