import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { createDb } from "../src/platform/db/client";

/** An ISO-8601 UTC timestamp as the API writes it (`Date.prototype.toISOString`). */
export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const anIso = () => expect.stringMatching(ISO);

/** The project's drizzle client on the test D1, as the Worker builds it. */
export const db = () => createDb(env.DB);

export const ADMIN_TOKEN = "test-admin-token-0123456789";
const BASE = "https://api.test";

export interface CallOptions {
  body?: unknown;
  /** Raw body, sent as is (for malformed-JSON and content-type tests). */
  raw?: BodyInit;
  key?: string;
  admin?: boolean;
  headers?: Record<string, string>;
}

export interface CallResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** Calls the Worker's real fetch handler, as a client on the network would. */
export async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<CallResult<T>> {
  const headers = new Headers(options.headers);
  if (options.admin) headers.set("authorization", `Bearer ${ADMIN_TOKEN}`);
  if (options.key) headers.set("authorization", `Bearer ${options.key}`);
  let body: BodyInit | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const response = await exports.default.fetch(new Request(`${BASE}${path}`, { method, headers, body }));
  const text = await response.text();
  let parsed: unknown = text;
  if (response.headers.get("content-type")?.includes("json")) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed as T };
}

export interface TestProject {
  id: string;
  manager: string;
  sender: string;
}

/** A fresh project with one manager key and one sender key. */
export async function createProject(name = "Test project"): Promise<TestProject> {
  const project = await call("POST", "/v1/admin/projects", { admin: true, body: { name } });
  expect(project.status).toBe(201);
  const manager = await call("POST", `/v1/admin/projects/${project.body.id}/keys`, {
    admin: true,
    body: { name: "manager", role: "manager" },
  });
  const sender = await call("POST", `/v1/admin/projects/${project.body.id}/keys`, {
    admin: true,
    body: { name: "sender", role: "sender" },
  });
  expect(manager.status).toBe(201);
  expect(sender.status).toBe(201);
  return { id: project.body.id, manager: manager.body.key, sender: sender.body.key };
}

/** Asserts the one error envelope, with the given code and (optionally) offending fields. */
export function expectError(result: CallResult, status: number, code: string, fields?: string[]) {
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  expect(result.body).toMatchObject({ error: { code, message: expect.any(String) }, requestId: expect.any(String) });
  if (fields) expect(result.body.error.fields.map((f: { field: string }) => f.field)).toEqual(fields);
}
