import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import worker from "../src/index";
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

/** The 401 bodies of a request without an API key, and of one with an unknown or revoked key. */
export const MISSING_KEY = {
  error: {
    code: "unauthorized",
    message: "an API key is required: send it as `Authorization: Bearer <key>` or as `apiKey` in the JSON body",
  },
  requestId: expect.any(String),
};
export const UNKNOWN_KEY = {
  error: { code: "unauthorized", message: "the API key is unknown or has been revoked" },
  requestId: expect.any(String),
};

/** Asserts the one error envelope, with the given code and (optionally) offending fields. */
export function expectError(result: CallResult, status: number, code: string, fields?: string[]) {
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  expect(result.body).toMatchObject({ error: { code, message: expect.any(String) }, requestId: expect.any(String) });
  if (fields) expect(result.body.error.fields.map((f: { field: string }) => f.field)).toEqual(fields);
}

// Secrets no response may ever carry: the operator token and every API key created so far.
// A key is allowed in exactly one response: the one that created it.
const secrets = new Set<string>([ADMIN_TOKEN]);

const CREATE_KEY_PATH = /^\/v1\/admin\/projects\/[^/]+\/keys$/;

function responseText(result: CallResult): string {
  const headers = [...result.headers].map(([name, value]) => `${name}: ${value}`).join("\n");
  const body = typeof result.body === "string" ? result.body : JSON.stringify(result.body);
  return `${headers}\n${body}`;
}

/** Asserts that a response contains neither the admin token nor any API key seen so far. */
export function expectNoSecrets(result: CallResult, label: string) {
  const text = responseText(result);
  for (const secret of secrets) {
    expect(text.includes(secret), `${label} leaks a secret (${secret.slice(0, 8)}…)`).toBe(false);
  }
}

/** `call`, plus the leak check on every response; remembers each key the API hands out. */
export async function api<T = any>(method: string, path: string, options: CallOptions = {}): Promise<CallResult<T>> {
  const result = await call<T>(method, path, options);
  const label = `${method} ${path} -> ${result.status}`;
  const createdKey =
    method === "POST" && CREATE_KEY_PATH.test(path.split("?")[0] ?? "") && result.status === 201
      ? (result.body as { key?: unknown }).key
      : undefined;
  if (typeof createdKey === "string") {
    const rest = { ...result, body: { ...(result.body as object), key: undefined } };
    expectNoSecrets(rest, label);
    secrets.add(createdKey);
  } else {
    expectNoSecrets(result, label);
  }
  return result;
}

export interface Project {
  id: string;
  name: string;
  createdAt: string;
  manager: string;
  managerId: string;
  sender: string;
  senderId: string;
}

/** A fresh project with one manager and one sender key, every call leak-checked. */
export async function newProject(name = "Test project"): Promise<Project> {
  const project = await api("POST", "/v1/admin/projects", { admin: true, body: { name } });
  expect(project.status, JSON.stringify(project.body)).toBe(201);
  const manager = await createKey(project.body.id, "manager", "manager");
  const sender = await createKey(project.body.id, "sender", "sender");
  return {
    id: project.body.id,
    name: project.body.name,
    createdAt: project.body.createdAt,
    manager: manager.key,
    managerId: manager.id,
    sender: sender.key,
    senderId: sender.id,
  };
}

export async function createKey(projectId: string, name: string, role: "manager" | "sender") {
  const result = await api("POST", `/v1/admin/projects/${projectId}/keys`, { admin: true, body: { name, role } });
  expect(result.status, JSON.stringify(result.body)).toBe(201);
  return result.body as { id: string; key: string; prefix: string; createdAt: string };
}

export interface KeyRow {
  id: string;
  project_id: string;
  name: string;
  role: string;
  hash: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** The api_keys row as D1 stores it, read directly rather than through the API. */
export async function keyRow(keyId: string): Promise<KeyRow | null> {
  return env.DB.prepare("SELECT * FROM api_keys WHERE id = ?").bind(keyId).first<KeyRow>();
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Walks a paginated listing to its end with `limit`, returning every page. */
export async function walkPages<T>(path: string, limit: number, options: CallOptions) {
  const pages: { data: T[]; nextCursor: string | null }[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const query: string = `limit=${limit}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
    const result = await api("GET", `${path}${sep}${query}`, options);
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    pages.push(result.body);
    cursor = result.body.nextCursor;
    expect(pages.length, "pagination does not end").toBeLessThan(1000);
  } while (cursor !== null);
  return pages;
}

export const PROJECT_ID = /^prj_[0-9a-f]{24}$/;
export const KEY_ID = /^key_[0-9a-f]{24}$/;
export const API_KEY = /^wak_[A-Za-z0-9_-]{43}$/;

/**
 * Runs the Worker's queue handler on one batch, as the runtime would (with `bindings`, e.g. one
 * whose binding fails, in place of the Worker's own). The test batch records that a message was
 * retried but not the delay asked for, so each retry is recorded here, in order.
 */
export async function runQueueBatch(
  queue: string,
  messages: Parameters<typeof createMessageBatch>[1],
  bindings: Env = env,
) {
  const batch = createMessageBatch(queue, messages);
  const retried: { msgId: string; delaySeconds: number | undefined }[] = [];
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    message.retry = (options?: QueueRetryOptions) => {
      retried.push({ msgId: message.id, delaySeconds: options?.delaySeconds });
      retry(options);
    };
  }
  const ctx = createExecutionContext();
  await worker.queue(batch, bindings, ctx);
  return { result: await getQueueResult(batch, ctx), retried };
}
