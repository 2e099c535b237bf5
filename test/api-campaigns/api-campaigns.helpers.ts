import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { type CallResult, call } from "../helpers";

export const CAMPAIGN_ID = /^cmp_[0-9a-f]{24}$/;
export const PATH = "/v1/api-campaigns";

export const createCampaign = (key: string, body: unknown) => call("POST", PATH, { key, body });

/** Creates an API campaign and asserts the 201, returning the campaign. */
export async function campaignOk(key: string, body: Record<string, unknown>) {
  const result = await createCampaign(key, body);
  expect(result.status, JSON.stringify(result.body)).toBe(201);
  return result.body;
}

/** The `template` of a campaign made from test/templates/templates.helpers.ts `minimal()`. */
export const minimalTemplateView = (id: string) => ({
  id,
  name: "order_shipped",
  language: "en_US",
  category: "UTILITY",
  status: "APPROVED",
  params: { header: null, body: 2, buttons: [], quickReplies: [] },
});

export interface CampaignRowSnapshot {
  id: string;
  project_id: string;
  kind: string;
  name: string;
  template_id: string | null;
  status: string;
  paused_reason: string | null;
  created_at: number;
  updated_at: number;
}

/** The project's campaign rows as D1 stores them, oldest first. */
export async function campaignRows(projectId: string) {
  const { results } = await env.DB.prepare("SELECT * FROM campaigns WHERE project_id = ? ORDER BY id")
    .bind(projectId)
    .all<CampaignRowSnapshot>();
  return results;
}

/** A campaign row written straight to D1: a broadcast campaign, or one the system paused. */
export async function insertCampaignRow(row: {
  id: string;
  projectId: string;
  kind: "api" | "broadcast";
  name: string;
  templateId: string | null;
  status?: "live" | "paused";
  pausedReason?: string | null;
}) {
  await env.DB.prepare(
    "INSERT INTO campaigns (id, project_id, kind, name, template_id, status, paused_reason, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
  )
    .bind(row.id, row.projectId, row.kind, row.name, row.templateId, row.status ?? "live", row.pausedReason ?? null)
    .run();
}

/** Sets a campaign's paused_reason directly, as the sends consumer does on an account error. */
export async function systemPause(id: string, reason: string) {
  await env.DB.prepare("UPDATE campaigns SET status = 'paused', paused_reason = ? WHERE id = ?").bind(reason, id).run();
}

/** Asserts a 400 `validation_failed` naming exactly one field, with this message. */
export function expectFieldError(result: CallResult, field: string, message: string, where = "body") {
  expect(result.status, JSON.stringify(result.body)).toBe(400);
  expect(result.body).toEqual({
    error: { code: "validation_failed", message: `${field}: ${message}`, fields: [{ field, in: where, message }] },
    requestId: expect.any(String),
  });
}
