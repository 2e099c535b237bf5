import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { consumeCallbacks } from "../../src/consumers/callbacks";
import { MAX_CALLBACK_ATTEMPTS, MAX_EVENTS_PER_REQUEST } from "../../src/features/customer-callbacks/deliver";
import { enqueueCallbacks } from "../../src/features/customer-callbacks/enqueue";
import type { CallbackJob } from "../../src/queues/contracts";
import type { ReceivedHook } from "../../standin/hooks-receiver";
import { createQueueBroker } from "../delivery/queue-broker";
import { api, db, runQueueBatch } from "../helpers";
import {
  enqueued,
  logged,
  projectWithEndpoint,
  received,
  receivedWhen,
  T0,
  transition,
  verifyWithRecipe,
} from "./callbacks.helpers";

const CALLBACKS_QUEUE = "wa-campaigns-callbacks";

afterEach(() => {
  vi.restoreAllMocks();
});

/** `count` jobs for the project, as enqueueCallbacks makes them. */
async function jobsFor(projectId: string, count: number): Promise<CallbackJob[]> {
  return (await enqueued(Array.from({ length: count }, () => transition(projectId)))).flat();
}

const asMessages = (bodies: unknown[], attempts = 1) =>
  bodies.map((body, i) => ({ id: `cb-${i}`, timestamp: new Date(T0), attempts, body }));

/** One callbacks-queue batch through the Worker's real queue handler. */
async function consume(bodies: unknown[], attempts = 1) {
  const { result, retried } = await runQueueBatch(CALLBACKS_QUEUE, asMessages(bodies, attempts));
  return { ...result, retried };
}

const ids = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `cb-${from + i}`);

describe("the callbacks queue, endpoints that take batches", () => {
  it("POSTs a batch's events as one signed { events } body, and acks each message", async () => {
    const { project, key, secret } = await projectWithEndpoint("ok", "batch");
    const jobs = await jobsFor(project.id, 3);
    const result = await consume(jobs);
    expect(result).toMatchObject({ outcome: "ok", explicitAcks: ids(3), retryMessages: [] });

    const hooks = await received(key);
    expect(hooks).toHaveLength(1);
    const hook = hooks[0] as ReceivedHook;
    expect(hook).toMatchObject({ method: "POST", path: `/${key}/ok`, status: 200 });
    expect(hook.body).toBe(JSON.stringify({ events: jobs.map((j) => j.event) }));
    expect(JSON.parse(hook.body).events.map((e: { id: string }) => e.id)).toEqual(jobs.map((j) => j.event.id));
    expect(hook.headers["content-type"]).toBe("application/json");
    expect(hook.headers["x-campaign-event-count"]).toBe("3");
    // Ids are per event, in the body: a batch has no single event id.
    expect(hook.headers).not.toHaveProperty("x-campaign-event-id");
    expect(await verifyWithRecipe(hook, secret)).toBe(true);
    expect(await verifyWithRecipe({ ...hook, body: hook.body.replace("delivered", "read") }, secret)).toBe(false);
    expect(await verifyWithRecipe(hook, `${secret}x`)).toBe(false);
  });

  it(`puts at most ${MAX_EVENTS_PER_REQUEST} events in one POST`, async () => {
    const { project, key, secret } = await projectWithEndpoint("ok", "batch");
    const jobs = await jobsFor(project.id, MAX_EVENTS_PER_REQUEST + 30);
    const result = await consume(jobs);
    expect(result.explicitAcks).toEqual(ids(jobs.length));
    const hooks = await received(key);
    expect(hooks.map((h) => JSON.parse(h.body).events.length).sort((a, b) => a - b)).toEqual([
      30,
      MAX_EVENTS_PER_REQUEST,
    ]);
    expect(hooks.flatMap((h) => JSON.parse(h.body).events.map((e: { id: string }) => e.id)).sort()).toEqual(
      jobs.map((j) => j.event.id).sort(),
    );
    for (const hook of hooks) expect(await verifyWithRecipe(hook, secret)).toBe(true);
  });

  it("sends an event that is in the batch twice once, and acks both messages", async () => {
    const { project, key } = await projectWithEndpoint("ok", "batch");
    const [job] = await jobsFor(project.id, 1);
    const result = await consume([job, job]);
    expect(result.explicitAcks).toEqual(ids(2));
    const [hook] = await received(key);
    expect(JSON.parse(hook?.body ?? "{}").events).toEqual([job?.event]);
  });

  it("retries every message of a failing receiver with the callback backoff, and gives up after the 8th attempt", async () => {
    const { project, key } = await projectWithEndpoint("fail", "batch");
    const jobs = await jobsFor(project.id, 2);
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    // Attempt 3: the ceiling is 10 s · 2² = 40 s; full jitter at 0.5 gives 20 s.
    const failed = await consume(jobs, 3);
    expect(failed).toMatchObject({ explicitAcks: [], retryMessages: [{ msgId: "cb-0" }, { msgId: "cb-1" }] });
    expect(failed.retried).toEqual([
      { msgId: "cb-0", delaySeconds: 20 },
      { msgId: "cb-1", delaySeconds: 20 },
    ]);

    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const last = await consume(jobs, MAX_CALLBACK_ATTEMPTS);
    expect(last).toMatchObject({ explicitAcks: ids(2), retryMessages: [] });
    expect(logged(error)).toEqual(
      jobs.map((job) => ({
        level: "error",
        msg: "callback given up",
        queue: CALLBACKS_QUEUE,
        projectId: project.id,
        eventId: job.event.id,
        attempts: MAX_CALLBACK_ATTEMPTS,
        reason: "HTTP 500",
        status: 500,
        time: expect.any(String),
      })),
    );
    expect((await received(key)).map((h) => h.status)).toEqual([500, 500]);
    // Kept whole, with the receiver's last answer, for an operator to replay once it is fixed.
    const letters = await api("GET", `/v1/admin/dead-letters?queue=callbacks&projectId=${project.id}`, { admin: true });
    expect(letters.status).toBe(200);
    expect(letters.body.data).toEqual(
      expect.arrayContaining(
        jobs.map((job) =>
          expect.objectContaining({
            queue: "callbacks",
            projectId: project.id,
            kind: "callback",
            attempts: MAX_CALLBACK_ATTEMPTS,
            reason: `callback given up after ${MAX_CALLBACK_ATTEMPTS} attempts: HTTP 500`,
            body: job,
          }),
        ),
      ),
    );
    expect(letters.body.data).toHaveLength(2);
  });
});

describe("the callbacks queue, endpoints that take one event per POST", () => {
  it("POSTs each event as before, with its id in X-Campaign-Event-Id", async () => {
    const { project, key, secret } = await projectWithEndpoint("ok");
    const jobs = await jobsFor(project.id, 5);
    expect(await consume(jobs)).toMatchObject({ explicitAcks: ids(5), retryMessages: [] });
    const hooks = await received(key);
    expect(hooks.map((h) => h.body).sort()).toEqual(jobs.map((j) => JSON.stringify(j.event)).sort());
    for (const hook of hooks) {
      expect(hook.headers["x-campaign-event-id"]).toBe(JSON.parse(hook.body).id);
      expect(hook.headers).not.toHaveProperty("x-campaign-event-count");
      expect(await verifyWithRecipe(hook, secret)).toBe(true);
    }
  });

  it("stops POSTing to a receiver after its first failure in a batch, and retries the rest untried", async () => {
    const { project, key } = await projectWithEndpoint("fail");
    const jobs = await jobsFor(project.id, 20);
    const result = await consume(jobs);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(ids(20));
    // The lanes already under way when the first 500 came back, no more.
    expect((await received(key)).length).toBeLessThanOrEqual(4);
  });
});

describe("receivers side by side in one batch", () => {
  it("delivers to a healthy receiver while another hangs; only the hanging one's messages are retried", async () => {
    const healthy = await projectWithEndpoint("ok", "batch");
    const single = await projectWithEndpoint("ok");
    const hanging = await projectWithEndpoint("slow", "batch");
    const bodies = [
      ...(await jobsFor(hanging.project.id, 3)),
      ...(await jobsFor(healthy.project.id, 3)),
      ...(await jobsFor(single.project.id, 2)),
    ];
    const batch = createMessageBatch(CALLBACKS_QUEUE, asMessages(bodies));
    const ctx = createExecutionContext();
    const timeoutMs = 3_000;
    const startedAt = Date.now();
    let done = false;
    const consuming = consumeCallbacks(batch, env, { timeoutMs }).finally(() => {
      done = true;
    });
    // The healthy receivers have their answers while the hanging one still holds its request.
    await vi.waitFor(
      async () => {
        expect((await received(healthy.key)).map((h) => h.status)).toEqual([200]);
        expect((await received(single.key)).map((h) => h.status)).toEqual([200, 200]);
      },
      { timeout: timeoutMs, interval: 25 },
    );
    expect(done).toBe(false);
    expect(Date.now() - startedAt).toBeLessThan(timeoutMs);
    await consuming;
    expect(Date.now() - startedAt).toBeLessThan(2 * timeoutMs);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(ids(5, 3).sort());
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(ids(3));
    expect(await received(hanging.key)).toHaveLength(1);
  });

  // The broker alone runs for 4 s of the default 5: the test gets room for its setup.
  it("at many invocations at once, every healthy receiver gets each event once and a hanging one's stay queued", {
    timeout: 30_000,
  }, async () => {
    const receivers = [
      await projectWithEndpoint("ok", "batch"),
      await projectWithEndpoint("ok", "batch"),
      await projectWithEndpoint("ok"),
    ];
    const hanging = await projectWithEndpoint("slow", "batch");
    const healthyJobs: CallbackJob[] = [];
    for (const r of receivers) healthyJobs.push(...(await jobsFor(r.project.id, 60)));
    const hangingJobs = await jobsFor(hanging.project.id, 20);
    const broker = createQueueBroker({
      concurrency: 8,
      queue: CALLBACKS_QUEUE,
      maxBatchSize: 10,
      durationMs: 4_000,
      handler: (batch, e) => consumeCallbacks(batch, e, { timeoutMs: 500 }),
    });
    // Interleaved, so most batches hold events for several receivers, the hanging one among them.
    const bodies = healthyJobs.flatMap((job, i) =>
      i % 9 === 0 && hangingJobs[i / 9] ? [hangingJobs[i / 9], job] : [job],
    );
    expect(bodies).toHaveLength(healthyJobs.length + hangingJobs.length);
    broker.send(bodies);
    const report = await broker.run();
    expect(report.peakConcurrency).toBeGreaterThan(1);
    expect(report.acked).toBe(healthyJobs.length);
    expect(report.left + report.deadLettered.length).toBe(hangingJobs.length);

    const delivered = (
      await Promise.all(
        receivers.map(async ({ key }) =>
          (
            await received(key)
          ).flatMap((h) => {
            const body = JSON.parse(h.body);
            return (body.events ?? [body]).map((e: { id: string }) => e.id);
          }),
        ),
      )
    ).flat();
    expect(delivered.sort()).toEqual(healthyJobs.map((j) => j.event.id).sort());
  });
});

describe("what the callbacks consumer does with bad configuration and bad bodies", () => {
  it("acks without sending for a project with no endpoint, and for a URL the rules refuse now", async () => {
    const { project: gone, key: goneKey } = await projectWithEndpoint("ok", "batch");
    const { project: refused, key: refusedKey } = await projectWithEndpoint("ok", "batch");
    const goneJobs = await jobsFor(gone.id, 2);
    const refusedJobs = await jobsFor(refused.id, 2);
    await api("DELETE", "/v1/callback", { key: gone.manager });
    await env.DB.prepare("UPDATE callback_endpoints SET url = ? WHERE project_id = ?")
      .bind("http://10.0.0.7/hooks", refused.id)
      .run();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const result = await consume([...goneJobs, ...refusedJobs]);
    expect(result).toMatchObject({ explicitAcks: ids(4), retryMessages: [] });
    expect(await received(goneKey)).toEqual([]);
    expect(await received(refusedKey)).toEqual([]);
    expect(logged(warn)).toEqual([
      {
        level: "warn",
        msg: "callbacks dropped: the callback URL is not allowed",
        queue: CALLBACKS_QUEUE,
        projectId: refused.id,
        count: 2,
        reason: "must point to a public address, not a private, loopback, link-local or reserved one",
        time: expect.any(String),
      },
    ]);
  });

  it("retries a receiver whose secret cannot be opened, and delivers the others", async () => {
    const broken = await projectWithEndpoint("ok", "batch");
    const fine = await projectWithEndpoint("ok", "batch");
    await env.DB.prepare("UPDATE callback_endpoints SET secret_enc = ? WHERE project_id = ?")
      .bind("v1.AAAA.BBBB", broken.project.id)
      .run();
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const result = await consume([...(await jobsFor(broken.project.id, 2)), ...(await jobsFor(fine.project.id, 1))]);
    expect(result).toMatchObject({ explicitAcks: ["cb-2"], retryMessages: [{ msgId: "cb-0" }, { msgId: "cb-1" }] });
    expect(logged(error)).toMatchObject([{ msg: "callback delivery crashed", projectId: broken.project.id }]);
    expect(await received(broken.key)).toEqual([]);
    expect(await received(fine.key)).toHaveLength(1);
  });

  it("retries a body that is not a status callback with backoff, logging its id and never its body", async () => {
    const { project, key } = await projectWithEndpoint("ok", "batch");
    const [job] = await jobsFor(project.id, 1);
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const result = await consume([{ kind: "run-fanout", projectId: project.id, secret: "s3cr3t" }, job], 2);
    expect(result).toMatchObject({ explicitAcks: ["cb-1"], retryMessages: [{ msgId: "cb-0" }] });
    expect(result.retried).toEqual([{ msgId: "cb-0", delaySeconds: 2 }]);
    expect(logged(error)).toEqual([
      {
        level: "error",
        msg: "not a status callback; will retry",
        queue: CALLBACKS_QUEUE,
        messageId: "cb-0",
        attempts: 2,
        time: expect.any(String),
      },
    ]);
    expect(JSON.stringify(error.mock.calls)).not.toContain("s3cr3t");
    expect(await received(key)).toHaveLength(1);
  });

  it("retries the whole batch when the endpoints cannot be read", async () => {
    const { project, key } = await projectWithEndpoint("ok", "batch");
    const jobs = await jobsFor(project.id, 2);
    const batch = createMessageBatch(CALLBACKS_QUEUE, asMessages(jobs));
    const ctx = createExecutionContext();
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const down = () => {
      throw new Error("D1 is down");
    };
    const broken = { ...env, DB: { prepare: down, batch: down } };
    await consumeCallbacks(batch, broken as unknown as Env);
    const result = await getQueueResult(batch, ctx);
    expect(result).toMatchObject({ explicitAcks: [], retryMessages: [{ msgId: "cb-0" }, { msgId: "cb-1" }] });
    expect(logged(error)).toMatchObject([{ msg: "callback endpoints could not be read; will retry" }]);
    expect(await received(key)).toEqual([]);
  });
});

describe("callbacks across a deploy, and their dead letters", () => {
  it("delivers a callback an earlier version left on the jobs queue in the endpoint's format", async () => {
    const { project, key, secret } = await projectWithEndpoint("ok", "batch");
    const [job] = await jobsFor(project.id, 1);
    const { result } = await runQueueBatch("wa-campaigns-jobs", asMessages([job]));
    expect(result).toMatchObject({ explicitAcks: ["cb-0"], retryMessages: [] });
    const [hook] = await received(key);
    expect(hook?.body).toBe(JSON.stringify({ events: [job?.event] }));
    expect(await verifyWithRecipe(hook as ReceivedHook, secret)).toBe(true);
  });

  it("records a callbacks dead letter for the operator, and a replay delivers it through the callbacks queue", async () => {
    const { project, key } = await projectWithEndpoint("ok", "batch");
    const [job] = await jobsFor(project.id, 1);
    const dead = createMessageBatch(`${CALLBACKS_QUEUE}-dlq`, [
      { id: `dl-${crypto.randomUUID()}`, timestamp: new Date(), attempts: 11, body: job },
    ]);
    const ctx = createExecutionContext();
    const { default: worker } = await import("../../src/index");
    await worker.queue(dead, env, ctx);
    expect(await getQueueResult(dead, ctx)).toMatchObject({ explicitAcks: [dead.messages[0]?.id] });

    const list = await api("GET", `/v1/admin/dead-letters?projectId=${project.id}&queue=callbacks`, { admin: true });
    expect(list.status).toBe(200);
    expect(list.body.data).toMatchObject([
      { queue: "callbacks", kind: "callback", projectId: project.id, attempts: 11, body: job, replayedAt: null },
    ]);
    const replayed = await api("POST", `/v1/admin/dead-letters/${list.body.data[0].id}/replay`, { admin: true });
    expect(replayed.status, JSON.stringify(replayed.body)).toBe(200);
    const hooks = await receivedWhen(key, (got) => expect(got).toHaveLength(1));
    expect(JSON.parse(hooks[0]?.body ?? "{}").events).toEqual([job?.event]);
  });

  it("through the real callbacks queue, a page of transitions reaches a batch receiver in few POSTs", async () => {
    const { project, key, secret } = await projectWithEndpoint("ok", "batch");
    const transitions = Array.from({ length: 40 }, () => transition(project.id));
    await enqueueCallbacks(env, db(), transitions);
    const hooks = await receivedWhen(key, (got) =>
      expect(got.flatMap((h) => JSON.parse(h.body).events)).toHaveLength(40),
    );
    expect(hooks.length).toBeLessThan(40);
    for (const hook of hooks) expect(await verifyWithRecipe(hook, secret)).toBe(true);
  });
});
