import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  CALLBACK_TIMEOUT_MS,
  deliverCallback,
  MAX_CALLBACK_ATTEMPTS,
} from "../../src/features/customer-callbacks/deliver";
import { ENDPOINT_CACHE_TTL_MS } from "../../src/features/customer-callbacks/endpoint";
import { enqueueCallbacks } from "../../src/features/customer-callbacks/enqueue";
import { signCallback } from "../../src/features/customer-callbacks/sign";
import type { Transition } from "../../src/platform/db/schema";
import type { ReceivedHook } from "../../standin/hooks-receiver";
import { api, call, db, newProject, runQueueBatch } from "../helpers";
import {
  enqueued,
  HOOKS,
  jobFor,
  logged,
  projectWithEndpoint,
  received,
  receivedWhen,
  T0,
  transition,
  verifyWithRecipe,
} from "./callbacks.helpers";

const JOBS_QUEUE = "wa-campaigns-jobs";

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * One jobs-queue batch through the Worker's real queue handler. The test batch's result lists the
 * retried messages but not the delays asked for, so each message's retry is spied on for those:
 * `retried` is every retry call, in order, as { msgId, delaySeconds }.
 */
async function consume(bodies: unknown[], attempts = 1) {
  const { result, retried } = await runQueueBatch(
    JOBS_QUEUE,
    bodies.map((body, i) => ({ id: `job-${i}`, timestamp: new Date(T0), attempts, body })),
  );
  return { ...result, retried };
}

describe("enqueueCallbacks", () => {
  it("puts one job per transition on CALLBACKS, with the exact event, for projects with an endpoint", async () => {
    const { project } = await projectWithEndpoint("ok");
    const other = await newProject();
    const recorded = transition(project.id, { from: null, to: "queued", campaignId: null });
    const sent = transition(project.id, { from: "queued", to: "sent", runId: "run_1" });
    const failed = transition(project.id, {
      from: "sent",
      to: "failed",
      error: { code: 131026, title: "Message undeliverable", message: "not on WhatsApp" },
    });
    const elsewhere = transition(other.id);
    const batches = await enqueued([recorded, elsewhere, sent, failed]);
    const at = new Date(T0).toISOString();
    const base = (t: Transition) => ({
      id: `${t.messageId}:${t.to}`,
      event: "message.status",
      projectId: project.id,
      messageId: t.messageId,
      campaignId: t.campaignId,
      runId: t.runId,
      status: t.to,
      previousStatus: t.from,
      at,
    });
    expect(batches).toEqual([
      [
        { kind: "callback", projectId: project.id, event: { ...base(recorded), campaignId: null, error: null } },
        { kind: "callback", projectId: project.id, event: { ...base(sent), runId: "run_1", error: null } },
        {
          kind: "callback",
          projectId: project.id,
          event: {
            ...base(failed),
            status: "failed",
            previousStatus: "sent",
            error: { code: 131026, title: "Message undeliverable", message: "not on WhatsApp" },
          },
        },
      ],
    ]);
    // The event id is stable: the same transition always gets the same id.
    expect(batches[0]?.[1]?.event.id).toBe(`${sent.messageId}:sent`);
  });

  it("sends at most 100 jobs per sendBatch call", async () => {
    const { project } = await projectWithEndpoint("ok");
    const transitions = Array.from({ length: 230 }, () => transition(project.id));
    const batches = await enqueued(transitions);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 30]);
    expect(batches.flat().map((j) => j.event.messageId)).toEqual(transitions.map((t) => t.messageId));
  });

  it("queues nothing for projects without an endpoint, or for no transitions", async () => {
    const p = await newProject();
    expect(await enqueued([transition(p.id), transition(p.id, { to: "read", from: "delivered" })])).toEqual([]);
    expect(await enqueued([])).toEqual([]);
  });

  it("remembers a project's endpoint for the cache TTL, and forgets it at once on PUT and DELETE", async () => {
    const { project } = await projectWithEndpoint("ok");
    const t = transition(project.id);
    expect((await enqueued([t], T0)).flat()).toHaveLength(1);

    // Removed behind the API's back: this isolate still remembers it until the TTL has passed.
    await env.DB.prepare("DELETE FROM callback_endpoints WHERE project_id = ?").bind(project.id).run();
    expect((await enqueued([t], T0 + 1_000)).flat()).toHaveLength(1);
    expect(await enqueued([t], T0 + ENDPOINT_CACHE_TTL_MS + 1)).toEqual([]);

    // Now remembered as "no endpoint"; a PUT through the API forgets that at once.
    const later = T0 + ENDPOINT_CACHE_TTL_MS + 2;
    expect(await enqueued([t], later)).toEqual([]);
    const put = await call("PUT", "/v1/callback", {
      key: project.manager,
      body: { url: `${HOOKS}/${crypto.randomUUID()}/ok` },
    });
    expect(put.status).toBe(201);
    expect((await enqueued([t], later)).flat()).toHaveLength(1);

    // And a DELETE through the API does too.
    expect((await call("DELETE", "/v1/callback", { key: project.manager })).status).toBe(200);
    expect(await enqueued([t], later)).toEqual([]);
  });

  it("through the real callbacks queue, ends at the receiver", async () => {
    const { project, key, secret } = await projectWithEndpoint("ok");
    const t = transition(project.id, { from: "delivered", to: "read" });
    await enqueueCallbacks(env, db(), [t]);
    const hooks = await receivedWhen(key, (list) => expect(list).toHaveLength(1));
    const hook = hooks[0] as ReceivedHook;
    expect(hook.status).toBe(200);
    expect(JSON.parse(hook.body)).toMatchObject({
      id: `${t.messageId}:read`,
      status: "read",
      previousStatus: "delivered",
    });
    expect(await verifyWithRecipe(hook, secret)).toBe(true);
  });
});

describe("signCallback", () => {
  it("matches HMAC-SHA256 computed independently (Python's hmac and Node's createHmac give this value)", async () => {
    expect(await signCallback("whsec_known-answer-secret", 1_700_000_000, '{"id":"msg_1:sent","status":"sent"}')).toBe(
      "sha256=8930180153faa5d863a0e94df4eea3a456d8d960ad8f8b6d3b825b2758657149",
    );
  });
});

// Callbacks an earlier version queued on the jobs queue are still delivered there, one event per
// POST as before; the callbacks queue's own consumer is tested in callbacks.queue.test.ts.
describe("delivering a callback left on the jobs queue", () => {
  it("POSTs the signed event to the URL and acks on 2xx", async () => {
    const { project, key, secret } = await projectWithEndpoint("ok");
    const t = transition(project.id);
    const job = await jobFor(t);
    const result = await consume([job]);
    expect(result).toMatchObject({ outcome: "ok", explicitAcks: ["job-0"], retryMessages: [] });

    const hooks = await received(key);
    expect(hooks).toHaveLength(1);
    const hook = hooks[0] as ReceivedHook;
    expect(hook).toMatchObject({ method: "POST", path: `/${key}/ok`, status: 200 });
    expect(hook.body).toBe(JSON.stringify(job.event));
    expect(JSON.parse(hook.body)).toEqual({
      id: `${t.messageId}:delivered`,
      event: "message.status",
      projectId: project.id,
      messageId: t.messageId,
      campaignId: t.campaignId,
      runId: null,
      status: "delivered",
      previousStatus: "sent",
      error: null,
      at: new Date(T0).toISOString(),
    });
    expect(hook.headers["content-type"]).toBe("application/json");
    expect(hook.headers["x-campaign-event-id"]).toBe(`${t.messageId}:delivered`);
    expect(hook.headers["x-campaign-timestamp"]).toMatch(/^\d{10}$/);
    expect(hook.headers["x-campaign-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(await verifyWithRecipe(hook, secret)).toBe(true);
    // The recipe refuses a changed body, a changed timestamp and another secret.
    expect(await verifyWithRecipe({ ...hook, body: hook.body.replace("delivered", "read") }, secret)).toBe(false);
    expect(
      await verifyWithRecipe(
        {
          ...hook,
          headers: {
            ...hook.headers,
            "x-campaign-timestamp": String(Number(hook.headers["x-campaign-timestamp"]) + 1),
          },
        },
        secret,
      ),
    ).toBe(false);
    expect(await verifyWithRecipe(hook, `${secret}x`)).toBe(false);
  });

  it("signs `<timestamp>.<body>` with the timestamp of the attempt, in Unix seconds", async () => {
    const { project, key, secret } = await projectWithEndpoint("ok");
    const job = await jobFor(transition(project.id));
    const outcome = await deliverCallback(db(), env.ENCRYPTION_KEY, job, { now: () => 1_700_000_000_999 });
    expect(outcome).toEqual({ kind: "delivered", status: 200 });
    const [hook] = await received(key);
    expect(hook?.headers["x-campaign-timestamp"]).toBe("1700000000");
    expect(hook?.headers["x-campaign-signature"]).toBe(
      await signCallback(secret, 1_700_000_000, JSON.stringify(job.event)),
    );
  });

  it("uses the rotated secret for callbacks queued before the rotation", async () => {
    const { project, key } = await projectWithEndpoint("ok");
    const job = await jobFor(transition(project.id));
    const rotated = await call("PUT", "/v1/callback", {
      key: project.manager,
      body: { url: `${HOOKS}/${key}/ok`, rotateSecret: true },
    });
    await consume([job]);
    const [hook] = await received(key);
    expect(await verifyWithRecipe(hook as ReceivedHook, rotated.body.secret)).toBe(true);
  });

  it.each([
    ["a 500", "fail", 500],
    ["a 404", "status/404", 404],
    ["a 410", "status/410", 410],
  ])("retries %s with a backoff delay", async (_label, path, status) => {
    const { project, key } = await projectWithEndpoint(path);
    const job = await jobFor(transition(project.id));
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    // Attempt 3: the backoff ceiling is 10 s · 2² = 40 s; full jitter at 0.5 gives 20 s.
    const result = await consume([job], 3);
    expect(result).toMatchObject({ outcome: "ok", explicitAcks: [], retryMessages: [{ msgId: "job-0" }] });
    expect(result.retried).toEqual([{ msgId: "job-0", delaySeconds: 20 }]);
    expect((await received(key)).map((h) => h.status)).toEqual([status]);
  });

  it("grows the delay with the attempts and keeps it within the jittered ceiling", async () => {
    const { project } = await projectWithEndpoint("fail");
    const job = await jobFor(transition(project.id));
    const delays: number[] = [];
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    for (let attempts = 1; attempts < MAX_CALLBACK_ATTEMPTS; attempts++) {
      const result = await consume([job], attempts);
      expect(result.retryMessages).toEqual([{ msgId: "job-0" }]);
      delays.push(result.retried[0]?.delaySeconds as number);
    }
    expect(delays).toEqual([10, 20, 40, 80, 160, 320, 639]);
  });

  it("gives up after the 8th attempt: logs, keeps it as a dead letter, acks", async () => {
    const { project, key } = await projectWithEndpoint("fail");
    const job = await jobFor(transition(project.id));
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const result = await consume([job], MAX_CALLBACK_ATTEMPTS);
    expect(result).toMatchObject({ outcome: "ok", explicitAcks: ["job-0"], retryMessages: [] });
    expect(logged(error)).toEqual([
      {
        level: "error",
        msg: "callback given up",
        queue: JOBS_QUEUE,
        projectId: project.id,
        eventId: job.event.id,
        attempts: MAX_CALLBACK_ATTEMPTS,
        reason: "HTTP 500",
        status: 500,
        time: expect.any(String),
      },
    ]);
    expect(await received(key)).toHaveLength(1);
    const letters = await api("GET", `/v1/admin/dead-letters?queue=callbacks&projectId=${project.id}`, { admin: true });
    expect(letters.body.data).toEqual([
      expect.objectContaining({
        kind: "callback",
        reason: `callback given up after ${MAX_CALLBACK_ATTEMPTS} attempts: HTTP 500`,
        body: job,
      }),
    ]);
  });

  it("succeeds on /flaky across attempts, with the same event id and body each time", async () => {
    const { project, key, secret } = await projectWithEndpoint("flaky");
    const job = await jobFor(transition(project.id));
    const first = await consume([job], 1);
    expect(first).toMatchObject({ explicitAcks: [], retryMessages: [{ msgId: "job-0" }] });
    expect(first.retried[0]?.delaySeconds).toBeGreaterThan(0);
    const second = await consume([job], 2);
    expect(second).toMatchObject({ explicitAcks: [], retryMessages: [{ msgId: "job-0" }] });
    expect(second.retried[0]?.delaySeconds).toBeGreaterThan(0);
    const third = await consume([job], 3);
    expect(third).toMatchObject({ explicitAcks: ["job-0"], retryMessages: [] });

    const hooks = await received(key);
    expect(hooks.map((h) => h.status)).toEqual([500, 500, 200]);
    expect(new Set(hooks.map((h) => h.body))).toEqual(new Set([JSON.stringify(job.event)]));
    expect(new Set(hooks.map((h) => h.headers["x-campaign-event-id"]))).toEqual(new Set([job.event.id]));
    for (const hook of hooks) expect(await verifyWithRecipe(hook, secret)).toBe(true);
  });

  it("does not follow a redirect: it is a failure, retried", async () => {
    const { project, key } = await projectWithEndpoint("redirect");
    const job = await jobFor(transition(project.id));
    const result = await consume([job]);
    expect(result).toMatchObject({ explicitAcks: [], retryMessages: [{ msgId: "job-0" }] });
    expect(result.retried[0]?.delaySeconds).toBeGreaterThan(0);
    // The receiver saw only the redirecting request; /<key>/ok, where it pointed, got nothing.
    expect((await received(key)).map((h) => [h.path, h.status])).toEqual([[`/${key}/redirect`, 302]]);
    expect(await deliverCallback(db(), env.ENCRYPTION_KEY, job)).toEqual({
      kind: "failed",
      reason: "redirect (HTTP 302), not followed",
      status: 302,
    });
  });

  it("acks without sending when the endpoint was deleted after the job was queued", async () => {
    const { project, key } = await projectWithEndpoint("ok");
    const job = await jobFor(transition(project.id));
    expect((await call("DELETE", "/v1/callback", { key: project.manager })).status).toBe(200);
    const result = await consume([job]);
    expect(result).toMatchObject({ outcome: "ok", explicitAcks: ["job-0"], retryMessages: [] });
    expect(await received(key)).toEqual([]);
  });

  it("sends to the URL as it is now, not as it was when the job was queued", async () => {
    const { project, key } = await projectWithEndpoint("fail");
    const job = await jobFor(transition(project.id));
    await call("PUT", "/v1/callback", { key: project.manager, body: { url: `${HOOKS}/${key}/ok` } });
    expect(await consume([job])).toMatchObject({ explicitAcks: ["job-0"], retryMessages: [] });
    expect((await received(key)).map((h) => h.path)).toEqual([`/${key}/ok`]);
  });

  it("re-checks the stored URL at send time and sends nothing to a refused one", async () => {
    const { project } = await projectWithEndpoint("ok");
    const job = await jobFor(transition(project.id));
    // Written behind the API's back, as if the rules had changed since the URL was set.
    await env.DB.prepare("UPDATE callback_endpoints SET url = ? WHERE project_id = ?")
      .bind("http://169.254.169.254/latest/meta-data/", project.id)
      .run();
    const fetcher = vi.fn<typeof fetch>();
    expect(await deliverCallback(db(), env.ENCRYPTION_KEY, job, { fetch: fetcher })).toEqual({
      kind: "refused",
      reason: "must point to a public address, not a private, loopback, link-local or reserved one",
    });
    expect(fetcher).not.toHaveBeenCalled();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(await consume([job])).toMatchObject({ explicitAcks: ["job-0"], retryMessages: [] });
    expect(logged(warn)).toMatchObject([{ msg: "callbacks dropped: the callback URL is not allowed", count: 1 }]);
  });

  it("passes the request options the spec asks for: POST, no redirects, a timeout", async () => {
    const { project } = await projectWithEndpoint("ok");
    const job = await jobFor(transition(project.id));
    const fetcher = vi.fn<typeof fetch>(async () => new Response(null, { status: 204 }));
    const timer = vi.spyOn(globalThis, "setTimeout");
    expect(await deliverCallback(db(), env.ENCRYPTION_KEY, job, { fetch: fetcher })).toEqual({
      kind: "delivered",
      status: 204,
    });
    expect(fetcher).toHaveBeenCalledTimes(1);
    const init = fetcher.mock.calls[0]?.[1];
    expect(init).toMatchObject({ method: "POST", redirect: "manual", body: JSON.stringify(job.event) });
    // The time limit is a timer of CALLBACK_TIMEOUT_MS behind the request's signal, cleared on the answer.
    expect(timer).toHaveBeenCalledWith(expect.any(Function), CALLBACK_TIMEOUT_MS);
    expect(init?.signal).toBeInstanceOf(AbortSignal);
    expect(init?.signal?.aborted).toBe(false);
    timer.mockRestore();
  });

  it("treats no answer within the timeout as a failure", async () => {
    const { project } = await projectWithEndpoint("slow");
    const job = await jobFor(transition(project.id));
    expect(await deliverCallback(db(), env.ENCRYPTION_KEY, job, { timeoutMs: 50 })).toEqual({
      kind: "failed",
      reason: "no answer within the timeout",
      status: null,
    });
  });

  it("retries unknown job kinds with backoff, logged at error, and still delivers the callbacks beside them", async () => {
    const { project, key } = await projectWithEndpoint("ok");
    const job = await jobFor(transition(project.id));
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    // Attempt 2: the backoff ceiling is 2 s · 2 = 4 s; full jitter at 0.5 gives 2 s.
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const result = await consume([{ kind: "fan-out", page: 1 }, job, { no: "kind" }], 2);
    expect(result).toMatchObject({
      outcome: "ok",
      explicitAcks: ["job-1"],
      retryMessages: [{ msgId: "job-0" }, { msgId: "job-2" }],
    });
    expect(result.retried).toEqual([
      { msgId: "job-0", delaySeconds: 2 },
      { msgId: "job-2", delaySeconds: 2 },
    ]);
    expect(logged(error)).toEqual([
      {
        level: "error",
        msg: "job of an unknown kind; will retry",
        queue: JOBS_QUEUE,
        messageId: "job-0",
        kind: "fan-out",
        attempts: 2,
        time: expect.any(String),
      },
      {
        level: "error",
        msg: "job of an unknown kind; will retry",
        queue: JOBS_QUEUE,
        messageId: "job-2",
        kind: null,
        attempts: 2,
        time: expect.any(String),
      },
    ]);
    expect(await received(key)).toHaveLength(1);
  });
});
