import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { type CallResult, call } from "../helpers";

// Broadcast-campaign tests seed audiences, variable groups, journeys, runs and messages straight
// into D1, so that they test campaign creation and retrieval on their own, whatever the state of
// the routes that create those resources.

export const CREATE = "/v1/create/campaign";
export const CAMPAIGN_ID = /^cmp_[0-9a-f]{24}$/;
export const RUN_ID = /^run_[0-9a-f]{24}$/;

export const createCampaign = (key: string, body: unknown) => call("POST", CREATE, { key, body });

export async function createCampaignOk(key: string, body: Record<string, unknown>) {
  const result = await createCampaign(key, body);
  expect(result.status, JSON.stringify(result.body)).toBe(201);
  return result.body as { status: "success"; campaign: Record<string, any>; run: Record<string, any> | null };
}

/** The error fields of a 400, as [field, message] pairs. */
export function fieldsOf(result: CallResult): [string, string][] {
  expect(result.status, JSON.stringify(result.body)).toBe(400);
  expect(result.body.error.code).toBe("validation_failed");
  return result.body.error.fields.map((f: { field: string; message: string }) => [f.field, f.message]);
}

export async function seedGroup(
  projectId: string,
  group: { id: string; name?: string; fields: string[]; values?: Record<string, Record<string, string>> },
) {
  const row = await env.DB.prepare(
    "INSERT INTO variable_groups (project_id, id, name, fields, kind, updated_at) VALUES (?, ?, ?, ?, 'values', 0) RETURNING pk",
  )
    .bind(projectId, group.id, group.name ?? group.id, JSON.stringify(group.fields))
    .first<{ pk: number }>();
  for (const [number, values] of Object.entries(group.values ?? {})) {
    await env.DB.prepare('INSERT INTO variable_values (group_pk, number, "values", updated_at) VALUES (?, ?, ?, 0)')
      .bind(row?.pk, number, JSON.stringify(values))
      .run();
  }
  return row?.pk as number;
}

export async function seedJourney(projectId: string, id: string) {
  await env.DB.prepare("INSERT INTO journeys (project_id, id, name, steps, updated_at) VALUES (?, ?, ?, ?, 0)")
    .bind(projectId, id, id, JSON.stringify([{ text: "Welcome!" }]))
    .run();
}

/** An audience (list) with its contacts, created as needed. */
export async function seedAudience(projectId: string, audience: { id: string; name?: string; numbers: string[] }) {
  const row = await env.DB.prepare(
    "INSERT INTO audiences (project_id, id, name, updated_at) VALUES (?, ?, ?, 0) RETURNING pk",
  )
    .bind(projectId, audience.id, audience.name ?? audience.id)
    .first<{ pk: number }>();
  for (const number of audience.numbers) {
    const contact = await env.DB.prepare(
      "INSERT INTO contacts (project_id, number, updated_at) VALUES (?, ?, 0) ON CONFLICT (project_id, number) DO UPDATE SET updated_at = 0 RETURNING id",
    )
      .bind(projectId, number)
      .first<{ id: number }>();
    await env.DB.prepare("INSERT INTO audience_members (audience_pk, contact_id, added_at) VALUES (?, ?, 0)")
      .bind(row?.pk, contact?.id)
      .run();
  }
}

export async function insertRun(projectId: string, campaignId: string, id: string, status: string, createdAt = 1) {
  await env.DB.prepare(
    "INSERT INTO runs (id, project_id, campaign_id, status, audiences, created_at, updated_at) VALUES (?, ?, ?, ?, '[\"all\"]', ?, ?)",
  )
    .bind(id, projectId, campaignId, status, createdAt, createdAt)
    .run();
}

export interface MessageSeed {
  id: string;
  runId: string;
  number: string;
  status: string;
  sentAt?: number | null;
  deliveredAt?: number | null;
  readAt?: number | null;
  failedAt?: number | null;
  errorCode?: number | null;
  errorTitle?: string | null;
  errorMessage?: string | null;
  skipReason?: string | null;
}

export async function insertMessages(projectId: string, campaignId: string, seeds: MessageSeed[]) {
  const statements = seeds.map((m) =>
    env.DB.prepare(
      "INSERT INTO messages (id, project_id, campaign_id, run_id, number, status, sent_at, delivered_at, read_at, failed_at, error_code, error_title, error_message, skip_reason, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
    ).bind(
      m.id,
      projectId,
      campaignId,
      m.runId,
      m.number,
      m.status,
      m.sentAt ?? null,
      m.deliveredAt ?? null,
      m.readAt ?? null,
      m.failedAt ?? null,
      m.errorCode ?? null,
      m.errorTitle ?? null,
      m.errorMessage ?? null,
      m.skipReason ?? null,
    ),
  );
  if (statements.length > 0) await env.DB.batch(statements);
}

/** `count` sent messages of one run in one statement, numbered from +919800000000 up; ids `<runId>_<i>`. */
export async function insertManyMessages(projectId: string, campaignId: string, runId: string, count: number) {
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
     INSERT INTO messages (id, project_id, campaign_id, run_id, number, status, sent_at, updated_at)
     SELECT printf('%s_%016d', ?, i), ?, ?, ?, printf('+9198%08d', i), 'sent', 1700000000000, 0 FROM n`,
  )
    .bind(count, runId, projectId, campaignId, runId)
    .run();
}

export async function rowCounts(projectId: string) {
  const count = async (table: string) =>
    (
      await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE project_id = ?`)
        .bind(projectId)
        .first<{ n: number }>()
    )?.n;
  return {
    campaigns: await count("campaigns"),
    templates: await count("templates"),
    variableGroups: await count("variable_groups"),
    runs: await count("runs"),
  };
}
