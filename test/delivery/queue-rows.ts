import { env } from "cloudflare:workers";
import { newMessageId } from "../../src/platform/ids";
import type { SendJob } from "../../src/queues/contracts";

// Queued message rows written straight into D1, as a run's fan-out leaves them. Apart from the
// test helpers (no vitest or cloudflare:test import) so the pacing benchmark's Worker bundles it.

// Rows per INSERT: they travel as ONE json_each parameter (D1 binds at most 100 per statement), as
// the fan-out writes them; a few statements go in each D1 batch.
const ROWS_PER_STATEMENT = 500;
const STATEMENTS_PER_BATCH = 10;

export const BACKLOG_TEMPLATE = { name: "order_update", text: "Hi {{1}}, your order {{2}} is on its way." };

export interface BacklogOptions {
  /** Rows belong to a broadcast run, as its fan-out leaves them; otherwise they have no run. */
  broadcast?: boolean;
  /** First recipient number's index, so two backlogs of one project never share a number. */
  firstNumber?: number;
}

/** Queued message rows for `recipients` distinct numbers in a project, optionally as a broadcast run. */
export async function queueRows(projectId: string, recipients: number, options: BacklogOptions = {}) {
  const now = Date.now();
  const first = options.firstNumber ?? 0;
  let runId: string | null = null;
  let campaignId: string | null = null;
  if (options.broadcast) {
    campaignId = `cmp_${newMessageId().slice(4)}`;
    runId = `run_${newMessageId().slice(4)}`;
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO campaigns (id, project_id, kind, name, status, created_at, updated_at) VALUES (?1, ?2, 'broadcast', ?1, 'live', ?3, ?3)",
      ).bind(campaignId, projectId, now),
      env.DB.prepare(
        "INSERT INTO runs (id, project_id, campaign_id, status, audiences, queued, created_at, started_at, fanned_out_at, updated_at) VALUES (?1, ?2, ?3, 'sending', '[]', ?4, ?5, ?5, ?5, ?5)",
      ).bind(runId, projectId, campaignId, recipients, now),
    ]);
  }
  const rows = Array.from({ length: recipients }, (_, i) => {
    const to = `+9198${String(first + i).padStart(8, "0")}`;
    const payload = { to, template: { name: BACKLOG_TEMPLATE.name, language: "en_US" }, body: ["Asha", `#${i}`] };
    return [newMessageId(), to, payload] as const;
  });
  const insert = env.DB.prepare(
    `INSERT INTO messages (id, project_id, campaign_id, run_id, number, status, payload, attempts, created_at, updated_at)
     SELECT j.value ->> '$[0]', ?1, ?4, ?5, j.value ->> '$[1]', 'queued', j.value -> '$[2]', 0, ?2, ?2 FROM json_each(?3) j`,
  );
  const statements = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    statements.push(
      insert.bind(projectId, now, JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT)), campaignId, runId),
    );
  }
  for (let i = 0; i < statements.length; i += STATEMENTS_PER_BATCH) {
    await env.DB.batch(statements.slice(i, i + STATEMENTS_PER_BATCH));
  }
  const jobs: SendJob[] = rows.map(([messageId]) => ({
    kind: "send",
    projectId,
    messageId,
    ...(campaignId && runId ? { campaignId, runId } : {}),
  }));
  return { projectId, jobs, ...(campaignId && runId ? { campaignId, runId } : {}) };
}

/**
 * Statements giving a run's rows their steps (`trail`, src/features/messages/trail.ts) and the log
 * row of their `queued` moves, as a fan-out writes them: the outbox then counts them queued.
 */
export function loggedAsQueued(runId: string, trail = "q") {
  return [
    env.DB.prepare(
      "UPDATE messages SET trail = ?2 WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?1)",
    ).bind(runId, trail),
    env.DB.prepare(
      "INSERT INTO ledger_log (entries) SELECT json_group_array(json_array(id, NULL, 'queued')) FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?)",
    ).bind(runId),
  ];
}
