import { env } from "cloudflare:workers";

// When a broker's run is over: asked by its invocations whenever its queue runs empty. No vitest or
// cloudflare:test import, so the pacing benchmark's Worker bundles it.

/**
 * True once none of the project's messages is queued or sending. Asked whenever the broker's queue
 * runs empty, so it must be cheap: it walks only the queued and sending rows (the status index),
 * not every message of the project, and stops at the first. A count over the project's rows took
 * tens of milliseconds at 30,000 messages, on the very thread the consumers run on.
 */
export const nothingLeft = (projectId: string) => async () => {
  const row = await env.DB.prepare(
    "SELECT EXISTS (SELECT 1 FROM messages WHERE status IN ('queued', 'sending') AND +project_id = ?) AS left",
  )
    .bind(projectId)
    .first<{ left: number }>();
  return row?.left === 0;
};

/** True once none of the run's messages is queued or sending. */
export const nothingLeftOfRun = (runId: string) => async () => {
  const row = await env.DB.prepare(
    "SELECT EXISTS (SELECT 1 FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) AND status IN ('queued', 'sending')) AS left",
  )
    .bind(runId)
    .first<{ left: number }>();
  return row?.left === 0;
};
