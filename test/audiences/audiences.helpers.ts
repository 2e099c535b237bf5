import { expect } from "vitest";
import { campaigns, messages, responses, runs } from "../../src/platform/db/schema";
import { type CallResult, call, db } from "../helpers";

/** The reference document's header: the key itself, no `Bearer`. */
export const docAuth = (key: string) => ({ headers: { authorization: key } });

/** `count` distinct valid Indian numbers in E.164, from `+91742850<start>` on. */
export const numbers = (count: number, start = 0) =>
  Array.from({ length: count }, (_, i) => `+9174285${String(10000 + start + i).padStart(5, "0")}`);

export const createAudience = (key: string, body: unknown) => call("POST", "/v1/create/audience", { key, body });

/** Creates (or adds to) an audience and asserts the status, returning the body. */
export async function createAudienceOk(key: string, body: Record<string, unknown>, status: 200 | 201 = 201) {
  const result = await createAudience(key, body);
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  return result.body;
}

export const audienceContacts = (key: string, body: Record<string, unknown>) =>
  call("POST", "/v1/retrieve/audience/contacts", { key, body });

/** Every contact of an audience, walking its pages with `limit`. */
export async function allAudienceNumbers(key: string, id: string, limit = 2): Promise<string[]> {
  const found: string[] = [];
  let cursor: string | null = null;
  do {
    const result: CallResult = await audienceContacts(key, { id, limit, ...(cursor ? { cursor } : {}) });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body.contacts.length).toBeLessThanOrEqual(limit);
    found.push(...result.body.contacts.map((c: { number: string }) => c.number));
    cursor = result.body.nextCursor;
    expect(found.length, "pagination does not end").toBeLessThan(10_000);
  } while (cursor !== null);
  return found;
}

export const createGroup = (key: string, body: unknown) => call("POST", "/v1/create/variable/group", { key, body });

export async function createGroupOk(key: string, body: Record<string, unknown>, status: 200 | 201 = 201) {
  const result = await createGroup(key, body);
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  return result.body.variableGroup;
}

// Rows the campaign and run helpers' code would write, inserted directly so segment tests do not
// depend on sending.

let seq = 0;
const next = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${++seq}`;

export async function insertCampaign(projectId: string, kind: "broadcast" | "api" = "broadcast") {
  const id = next("cmp");
  await db().insert(campaigns).values({ id, projectId, kind, name: id, status: "live", updatedAt: Date.now() });
  return id;
}

export async function insertRun(projectId: string, campaignId: string) {
  const id = next("run");
  await db()
    .insert(runs)
    .values({ id, projectId, campaignId, status: "completed", audiences: ["all"], updatedAt: Date.now() });
  return id;
}

type Status = "queued" | "sending" | "sent" | "delivered" | "read" | "failed" | "skipped";

export async function insertMessage(
  projectId: string,
  campaignId: string,
  runId: string | null,
  number: string,
  status: Status,
) {
  await db()
    .insert(messages)
    .values({ id: next("msg"), projectId, campaignId, runId, number, status, updatedAt: Date.now() });
}

export async function insertResponse(
  projectId: string,
  campaignId: string,
  runId: string | null,
  number: string,
  kind: "button" | "text" | "interactive",
  text: string,
) {
  await db()
    .insert(responses)
    .values({ projectId, number, campaignId, runId, wamid: next("wamid"), kind, text, receivedAt: Date.now() });
}
