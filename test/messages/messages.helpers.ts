import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { expect } from "vitest";
import { storedPayload } from "../../src/features/messages/payload";
import { insertMessageOnce, type NewMessage, getMessage as readMessage } from "../../src/features/messages/store";
import { runLedger } from "../../src/features/run-ledger";
import { newMessageId, parseLedgerMessageId } from "../../src/platform/ids";
import type { TemplateMessage } from "../../src/whatsapp/provider";
import { SandboxProvider } from "../../src/whatsapp/sandbox";
import type { WebhookEventMessage } from "../../src/whatsapp/webhook/payload";
import { call, db } from "../helpers";

/** Records a queued message as the consumers do, returning its id. */
export async function insertQueuedMessage(database: ReturnType<typeof db>, input: NewMessage) {
  const id = input.id ?? newMessageId();
  await insertMessageOnce(database, { ...input, id });
  return id;
}

export const templateMessage = (to: string, category: "MARKETING" | "UTILITY" = "UTILITY"): TemplateMessage => ({
  to,
  template: { name: "order_update", language: "en_US", category },
  body: ["Asha", "#1042"],
});

/** A queued message row, as the send endpoints will create them, and its job on the sends queue. */
export async function queueMessage(projectId: string, to: string, category: "MARKETING" | "UTILITY" = "UTILITY") {
  const id = await insertQueuedMessage(db(), {
    projectId,
    number: to,
    templateId: null,
    payload: templateMessage(to, category),
  });
  await env.SENDS.send({ kind: "send", projectId, messageId: id });
  return id;
}

/** Polls `read` until `done` holds; queues and their delays make outcomes arrive later. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  expect(done(value), `condition not reached; last value: ${JSON.stringify(value)}`).toBe(true);
  return value;
}

/** A sandbox provider at time 0 whose scheduled status webhooks are recorded in `sent`, not queued. */
export function recordingSandbox() {
  const sent: { body: WebhookEventMessage; delaySeconds?: number }[] = [];
  const events = { sendBatch: async (batch: typeof sent) => void sent.push(...batch) } as unknown as Queue;
  const sandbox = new SandboxProvider({
    projectId: "prj_x",
    phoneNumberId: "ph",
    wabaId: "waba",
    events,
    now: () => 0,
  });
  return { sandbox, sent };
}

/** A message row as D1 stores it. */
export const messageRow = (id: string) =>
  env.DB.prepare("SELECT * FROM messages WHERE id = ?").bind(id).first<Record<string, any>>();

/**
 * The whole message a row's payload holds (its patch applied to its shared base), as the claim reads
 * it: from D1, or from the object of the run or API day the id names.
 */
export async function storedMessage(id: string): Promise<Record<string, any> | null> {
  const named = parseLedgerMessageId(id);
  if (named) {
    const run = await env.DB.prepare("SELECT project_id FROM runs WHERE ref = ?")
      .bind(named.runRef)
      .first<{ project_id: string }>();
    const found = run ? await runLedger(env, named.runRef).payload(run.project_id, named.slot) : null;
    return found ? JSON.parse(found.payload) : null;
  }
  const row = await db().get<{ payload: string | null } | undefined>(
    sql`SELECT ${storedPayload()} AS payload FROM messages WHERE id = ${id}`,
  );
  return row?.payload ? JSON.parse(row.payload) : null;
}

export const getMessage = (key: string, id: string) => call("GET", `/v1/messages/${id}`, { key });

/** A message's history as `GET /v1/messages/{id}` shows it: the statuses in order. */
export async function historyStatuses(id: string): Promise<string[]> {
  const row = await env.DB.prepare("SELECT project_id FROM messages WHERE id = ?")
    .bind(id)
    .first<{ project_id: string }>();
  if (!row) return [];
  const found = await readMessage(db(), row.project_id, id);
  return found?.history.map((h) => h.status) ?? [];
}

/** How many messages a project has, wherever kept: D1's table, and its runs' and API days' objects. */
export async function projectMessageCount(projectId: string): Promise<number> {
  const d1 = await env.DB.prepare("SELECT count(*) AS n FROM messages WHERE project_id = ?")
    .bind(projectId)
    .first<{ n: number }>();
  const { results: refs } = await env.DB.prepare("SELECT ref FROM runs WHERE project_id = ? AND ledger = 'object'")
    .bind(projectId)
    .all<{ ref: string }>();
  let n = d1?.n ?? 0;
  for (const { ref } of refs) {
    const c = await runLedger(env, ref).counts();
    n += c.queued + c.sent + c.delivered + c.read + c.failed + c.skipped;
  }
  return n;
}
