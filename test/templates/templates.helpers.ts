import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { type CallResult, call } from "../helpers";

export const TEMPLATE_ID = /^tpl_[0-9a-f]{24}$/;

/** A minimal valid create request; spread and override parts of it. */
export const minimal = (overrides: Record<string, unknown> = {}) => ({
  name: "order_shipped",
  language: "en_US",
  category: "UTILITY",
  body: { text: "Hi {{1}}, your order {{2}} has shipped." },
  ...overrides,
});

export const createTemplate = (key: string, body: unknown) => call("POST", "/v1/templates", { key, body });

/** Creates a template and asserts the 201, returning the template. */
export async function createOk(key: string, body: Record<string, unknown>) {
  const result = await createTemplate(key, body);
  expect(result.status, JSON.stringify(result.body)).toBe(201);
  return result.body;
}

/** Asserts a 400 `validation_failed` with exactly these fields, in order, and their messages. */
export function expectFields(result: CallResult, fields: [field: string, message: string][], where = "body") {
  expect(result.status, JSON.stringify(result.body)).toBe(400);
  expect(result.body).toEqual({
    error: {
      code: "validation_failed",
      message: fields.map(([field, message]) => `${field}: ${message}`).join("; "),
      fields: fields.map(([field, message]) => ({ field, in: where, message })),
    },
    requestId: expect.any(String),
  });
}

export interface TemplateRowSnapshot {
  id: string;
  project_id: string;
  name: string;
  language: string;
  category: string;
  status: string;
  rejected_reason: string | null;
  provider_template_id: string | null;
  definition: string;
  params: string;
  created_at: number;
  updated_at: number;
}

/** The project's template rows as D1 stores them, oldest first. */
export async function templateRows(projectId: string) {
  const { results } = await env.DB.prepare("SELECT * FROM templates WHERE project_id = ? ORDER BY id")
    .bind(projectId)
    .all<TemplateRowSnapshot>();
  return results;
}

export async function setStatus(id: string, status: string, reason: string | null = null) {
  await env.DB.prepare("UPDATE templates SET status = ?, rejected_reason = ? WHERE id = ?")
    .bind(status, reason, id)
    .run();
}

/** Gives a project a WhatsApp account row directly, as an operator's PUT would. */
export async function setAccount(
  projectId: string,
  account: { provider: "meta" | "sandbox"; wabaId: string; phoneNumberId?: string; accessTokenEnc?: string | null },
) {
  await env.DB.prepare(
    "INSERT INTO whatsapp_accounts (project_id, provider, phone_number_id, waba_id, access_token_enc, updated_at) VALUES (?, ?, ?, ?, ?, 0)",
  )
    .bind(
      projectId,
      account.provider,
      account.phoneNumberId ?? `phone-${projectId}`,
      account.wabaId,
      account.accessTokenEnc ?? null,
    )
    .run();
}
