import { env } from "cloudflare:workers";
import { numbers } from "../audiences/audiences.helpers";

// Sends of the last days, written straight into D1 as a finished run's delivered messages: the
// messaging limit's window counts them like any other.

const HOUR = 60 * 60_000;

/** `count` unique recipients (numbers from `first`) sent to `hoursAgo` hours ago by a finished run of the project. */
export async function seedSent(projectId: string, count: number, options: { first?: number; hoursAgo?: number } = {}) {
  const at = Date.now() - (options.hoursAgo ?? 1) * HOUR;
  const runId = `run_seed${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  await env.DB.prepare(
    `INSERT INTO runs (id, project_id, campaign_id, status, audiences, created_at, started_at, finished_at, updated_at)
     VALUES (?, ?, 'cmp_seed', 'completed', '[]', ?, ?, ?, ?)`,
  )
    .bind(runId, projectId, at, at, at + 60_000, at)
    .run();
  await env.DB.prepare(
    `INSERT INTO messages (id, project_id, campaign_id, run_id, number, status, created_at, updated_at, sent_at, delivered_at)
     SELECT 'msg_seed' || ? || j.key, ?, 'cmp_seed', ?, j.value, 'delivered', ?, ?, ?, ?
     FROM json_each(?) j`,
  )
    .bind(runId, projectId, runId, at, at, at, at + 1000, JSON.stringify(numbers(count, options.first ?? 0)))
    .run();
  return runId;
}

export const setTier = (projectId: string, tier: string | null) =>
  env.DB.prepare("UPDATE whatsapp_accounts SET messaging_limit = ? WHERE project_id = ?").bind(tier, projectId).run();
