import { env } from "cloudflare:workers";
import { expect, type MockInstance, vi } from "vitest";
import { enqueueCallbacks } from "../../src/features/customer-callbacks/enqueue";
import type { Transition } from "../../src/platform/db/schema";
import type { CallbackJob } from "../../src/queues/contracts";
import type { ReceivedHook } from "../../standin/hooks-receiver";
import { call, db, newProject } from "../helpers";

export const HOOKS = "https://hooks.example.test";
export const T0 = Date.UTC(2026, 4, 1, 10, 0, 0);

/** A project whose callbacks go to the fake receiver at /<key>/<path>, in the given format. */
export async function projectWithEndpoint(path: string, format?: "single" | "batch") {
  const project = await newProject();
  const key = crypto.randomUUID();
  const result = await call("PUT", "/v1/callback", {
    key: project.manager,
    body: { url: `${HOOKS}/${key}/${path}`, ...(format ? { format } : {}) },
  });
  expect(result.status, JSON.stringify(result.body)).toBe(201);
  return { project, key, secret: result.body.secret as string };
}

export async function received(key: string): Promise<ReceivedHook[]> {
  const response = await fetch(`${HOOKS}/__received/${key}`);
  expect(response.status).toBe(200);
  return response.json();
}

/**
 * The receiver's hooks for `key` once `ready` says they are all there: the real queues deliver on
 * their own time, so this waits for them (up to 15 s).
 */
export function receivedWhen(key: string, ready: (hooks: ReceivedHook[]) => void): Promise<ReceivedHook[]> {
  return vi.waitFor(
    async () => {
      const hooks = await received(key);
      ready(hooks);
      return hooks;
    },
    { timeout: 15_000, interval: 100 },
  );
}

let seq = 0;
export function transition(projectId: string, overrides: Partial<Transition> = {}): Transition {
  seq += 1;
  return {
    messageId: `msg_${String(seq).padStart(6, "0")}${crypto.randomUUID().replaceAll("-", "").slice(0, 18)}`,
    projectId,
    campaignId: "cmp_000000000001aaaaaaaaaaaa",
    runId: null,
    from: "sent",
    to: "delivered",
    ...overrides,
  };
}

/** Runs what enqueueCallbacks would put on the callbacks queue, with sendBatch captured instead of sent. */
export async function enqueued(transitions: Transition[], now = T0): Promise<CallbackJob[][]> {
  const sendBatch = vi.spyOn(env.CALLBACKS, "sendBatch").mockResolvedValue(undefined as never);
  await enqueueCallbacks(env, db(), transitions, { now: () => now });
  const calls = sendBatch.mock.calls.map(([batch]) => [...batch].map((m) => m.body as CallbackJob));
  sendBatch.mockRestore();
  return calls;
}

/** The job enqueueCallbacks makes for one transition. */
export async function jobFor(t: Transition): Promise<CallbackJob> {
  const [[job] = []] = await enqueued([t]);
  expect(job).toBeDefined();
  return job as CallbackJob;
}

/** The documented recipe (docs/customer-callbacks.md), written with WebCrypto. */
export async function verifyWithRecipe(hook: ReceivedHook, secret: string): Promise<boolean> {
  const timestamp = hook.headers["x-campaign-timestamp"] ?? "";
  const signature = hook.headers["x-campaign-signature"] ?? "";
  if (!/^\d+$/.test(timestamp)) return false;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${timestamp}.${hook.body}`));
  const expected = `sha256=${[...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  const a = new TextEncoder().encode(expected);
  const b = new TextEncoder().encode(signature);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}

export const logged = (spy: MockInstance) => spy.mock.calls.map((c) => JSON.parse(c[0] as string));
