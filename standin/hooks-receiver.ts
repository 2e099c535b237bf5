// A fake customer endpoint for status callbacks: the Worker's outbound requests to HOOKS_HOST are
// answered here (wired in vitest.config.ts). It records every request it gets, in memory, and
// answers by path. The first path segment is a key each test picks at random, so test files
// running in parallel keep separate records and counters:
//
//   POST /<key>/ok           200
//   POST /<key>/fail         500
//   POST /<key>/flaky        500 the first two times (per key), then 200
//   POST /<key>/redirect     302 to /<key>/ok (a sender that follows it would show up there)
//   POST /<key>/status/<S>   answers S
//   POST /<key>/slow         never answers within a test (gives up after SLOW_MS, or when aborted)
//   anything else            404
//
//   GET  /__received/<key>   → [{ method, path, headers, body, status }] every request so far for
//                             the key, in order: headers with lower-case names, body as received
//
// Only fetch-API globals are used.

export const HOOKS_HOST = "hooks.example.test";

/** How long /slow holds a request; far beyond any timeout a test gives the sender. */
export const SLOW_MS = 30_000;

export interface ReceivedHook {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The status this receiver answered with (0 while it has not answered yet; 499 when the sender gave up). */
  status: number;
}

const FLAKY_FAILURES = 2;

export function createHooksReceiver() {
  const received = new Map<string, ReceivedHook[]>();
  const flakyCalls = new Map<string, number>();

  function answer(key: string, action: string, request: Request): Promise<number> | number {
    if (request.method !== "POST") return 405;
    if (action === "ok") return 200;
    if (action === "fail") return 500;
    if (action === "flaky") {
      const calls = (flakyCalls.get(key) ?? 0) + 1;
      flakyCalls.set(key, calls);
      return calls <= FLAKY_FAILURES ? 500 : 200;
    }
    if (action === "redirect") return 302;
    const status = /^status\/(\d{3})$/.exec(action);
    if (status) return Number(status[1]);
    if (action === "slow") return holdUntilAborted(request);
    return 404;
  }

  async function fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const segments = url.pathname.split("/").slice(1);
    if (segments[0] === "__received" && segments[1]) {
      return Response.json(received.get(segments[1]) ?? []);
    }
    const [key, ...rest] = segments;
    if (!key) return new Response("not found", { status: 404 });
    const record: ReceivedHook = {
      method: request.method,
      path: url.pathname,
      headers: Object.fromEntries([...request.headers].map(([name, value]) => [name.toLowerCase(), value])),
      body: await request.text(),
      status: 0,
    };
    const list = received.get(key) ?? [];
    list.push(record);
    received.set(key, list);
    record.status = await answer(key, rest.join("/"), request);
    if (record.status === 302) {
      return new Response(null, { status: 302, headers: { location: `/${key}/ok` } });
    }
    return new Response(record.status === 200 ? "ok" : null, { status: record.status });
  }

  return { fetch };
}

function holdUntilAborted(request: Request): Promise<number> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(504), SLOW_MS);
    // Node keeps no process alive for this timer; the sender gives up long before it fires.
    (timer as { unref?: () => void }).unref?.();
    request.signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve(499);
    });
  });
}
