import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { WebhookEventMessage } from "../../src/whatsapp/webhook/payload";
import { api, expectError, ISO, newProject } from "../helpers";
import { contactRow, messagesValue, NUMBER, payloadOf, text } from "../inbound/inbound.helpers";
import { eventually } from "../messages/messages.helpers";

const LIST = "/v1/admin/dead-letters";
const DEAD_LETTER_ID = /^dlq_[0-9a-f]{24}$/;

/** A STOP from NUMBER to the project, as the webhook route puts it on the events queue. */
const stopEvent = (projectId: string): WebhookEventMessage => ({
  kind: "whatsapp-webhook",
  source: "meta",
  projectId,
  receivedAt: Date.now(),
  payload: payloadOf("waba-dlq", "messages", messagesValue([text("STOP")])),
});

/** Hands one batch to the Worker's queue handler as the dead-letter queue would. */
async function deadLetter(
  queue: string,
  bodies: unknown[],
  ids = bodies.map((_, i) => `dl-${i}-${crypto.randomUUID()}`),
) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: ids[i] as string, timestamp: new Date(), attempts: 11, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return { result: await getQueueResult(batch, ctx), ids };
}

const listFor = async (projectId: string, query = "") => {
  const result = await api("GET", `${LIST}?projectId=${projectId}${query}`, { admin: true });
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return result.body as { data: any[]; nextCursor: string | null };
};

describe("dead letters of the events and jobs queues", () => {
  it("records each message whole with its reason, acks it, and lists it for the operator", async () => {
    const p = await newProject();
    const event = stopEvent(p.id);
    const job = { kind: "run-fanout", runId: "run_0123456789abcdef01234567", projectId: p.id };
    const events = await deadLetter("wa-campaigns-events-dlq", [event]);
    const jobs = await deadLetter("wa-campaigns-jobs-dlq", [job]);
    for (const { result, ids } of [events, jobs]) {
      expect(result).toMatchObject({ outcome: "ok", explicitAcks: ids, retryMessages: [] });
    }
    const page = await listFor(p.id);
    expect(page).toEqual({
      data: [
        {
          id: expect.stringMatching(DEAD_LETTER_ID),
          queue: "events",
          projectId: p.id,
          kind: "whatsapp-webhook",
          attempts: 11,
          reason: "no outcome after 11 deliveries",
          body: event,
          createdAt: expect.stringMatching(ISO),
          replayedAt: null,
        },
        {
          id: expect.stringMatching(DEAD_LETTER_ID),
          queue: "jobs",
          projectId: p.id,
          kind: "run-fanout",
          attempts: 11,
          reason: "no outcome after 11 deliveries",
          body: job,
          createdAt: expect.stringMatching(ISO),
          replayedAt: null,
        },
      ],
      nextCursor: null,
    });
    expect((await listFor(p.id, "&queue=jobs")).data.map((d) => d.kind)).toEqual(["run-fanout"]);
  });

  it("records a dead letter delivered twice once", async () => {
    const p = await newProject();
    const { ids } = await deadLetter("wa-campaigns-events-dlq", [stopEvent(p.id)]);
    await deadLetter("wa-campaigns-events-dlq", [stopEvent(p.id)], ids);
    expect((await listFor(p.id)).data).toHaveLength(1);
  });

  it("replays a dead-lettered STOP: the opt-out is applied, and a second replay is refused", async () => {
    const p = await newProject();
    await deadLetter("wa-campaigns-events-dlq", [stopEvent(p.id)]);
    const [dead] = (await listFor(p.id)).data;
    expect(await contactRow(p.id)).toBeNull();

    const replayed = await api("POST", `${LIST}/${dead.id}/replay`, { admin: true });
    expect(replayed.status, JSON.stringify(replayed.body)).toBe(200);
    expect(replayed.body).toEqual({ ...dead, replayedAt: expect.stringMatching(ISO) });
    const contact = await eventually(
      () => contactRow(p.id, NUMBER),
      (row) => row?.opted_out === 1,
    );
    expect(contact?.opted_out).toBe(1);

    const again = await api("POST", `${LIST}/${dead.id}/replay`, { admin: true });
    expectError(again, 409, "conflict");
    expect(again.body.error.message).toBe(`dead letter ${dead.id} was replayed already`);
    expect((await listFor(p.id, "&pending=true")).data).toEqual([]);
    expect((await listFor(p.id, "&pending=false")).data).toHaveLength(1);
  });

  it("pages with a cursor, every dead letter once", async () => {
    const p = await newProject();
    await deadLetter("wa-campaigns-jobs-dlq", [
      { kind: "run-start", runId: "run_a", projectId: p.id },
      { kind: "run-start", runId: "run_b", projectId: p.id },
      { kind: "run-start", runId: "run_c", projectId: p.id },
    ]);
    const first = await listFor(p.id, "&limit=2");
    expect(first.data).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await listFor(p.id, `&limit=2&cursor=${encodeURIComponent(first.nextCursor as string)}`);
    expect(second.data).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const runIds = [...first.data, ...second.data].map((d) => d.body.runId).sort();
    expect(runIds).toEqual(["run_a", "run_b", "run_c"]);
  });
});

describe("dead-letter routes: bad input and credentials", () => {
  it("400s an unknown queue, a bad pending flag and a bad cursor, naming the field", async () => {
    expectError(await api("GET", `${LIST}?queue=sends`, { admin: true }), 400, "validation_failed", ["queue"]);
    expectError(await api("GET", `${LIST}?pending=yes`, { admin: true }), 400, "validation_failed", ["pending"]);
    expectError(await api("GET", `${LIST}?limit=0`, { admin: true }), 400, "validation_failed", ["limit"]);
    expectError(await api("GET", `${LIST}?cursor=%%%`, { admin: true }), 400, "validation_failed", ["cursor"]);
  });

  it("400s a malformed id and 404s an unknown one", async () => {
    expectError(await api("POST", `${LIST}/nope/replay`, { admin: true }), 400, "validation_failed", ["id"]);
    const unknown = await api("POST", `${LIST}/dlq_000000000000000000000000/replay`, { admin: true });
    expectError(unknown, 404, "not_found");
    expect(unknown.body.error.message).toBe("dead letter not found");
  });

  it("401s without the operator token, and for a project's API key (manager or sender)", async () => {
    const p = await newProject();
    for (const key of [undefined, p.manager, p.sender]) {
      expectError(await api("GET", LIST, { key }), 401, "unauthorized");
      expectError(await api("POST", `${LIST}/dlq_000000000000000000000000/replay`, { key }), 401, "unauthorized");
    }
  });
});
