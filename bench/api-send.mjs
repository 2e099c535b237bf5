// The API-campaign endpoint under load, next to a bare route of the same Worker, and the D1 round
// trips its request path waits on once caches are warm; beside them, a bare Worker that only reads
// the body and enqueues it, the most any route that must enqueue can reach here.
import { bareEnqueue } from "./api-send/bare-enqueue.mjs";
import { conditions } from "./conditions.mjs";
import { figures, load } from "./load.mjs";
import { ratio } from "./ratio.mjs";
import { ADMIN_TOKEN, createProject, startWorker } from "./worker.mjs";

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

async function json(url, method, headers, body) {
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
  return { headers: response.headers, body: JSON.parse(text) };
}

// Locally the queue consumers run in the same single-threaded workerd as the request path, so the
// endpoint is measured twice: alone (as on Cloudflare, where consumers run in other isolates) and
// with the consumers persisting and sending everything it accepts, on the same two cores.
export async function run() {
  const alone = await measure({ consumers: false });
  const floor = await bareEnqueue({ bodyFor: sampleBodies(), connections: CONNECTIONS, seconds: SECONDS });
  const shared = await measure({ consumers: true });
  for (const row of [floor.health, floor.enqueue]) {
    row["vs bare"] = `${((row["req/s"] / floor.health["req/s"]) * 100).toFixed(0)}%`;
  }
  const rows = [
    ...alone.rows.map((r) => ({ ...r, consumers: "off" })),
    ...[floor.health, floor.enqueue].map((r) => ({ ...r, consumers: "off" })),
    ...shared.rows.filter((r) => r.scenario.startsWith("POST")).map((r) => ({ ...r, consumers: "on, same process" })),
  ];
  return {
    title: "API-campaign endpoint",
    rows,
    extra: alone.extra,
    result: {
      consumersOff: alone.result,
      consumersOn: shared.result,
      d1RoundTrips: alone.d1RoundTrips,
      bareEnqueue: {
        health: figures(floor.health),
        enqueue: { ...figures(floor.enqueue), ratioToBare: ratio(floor.enqueue["req/s"], floor.health["req/s"]) },
        endpointToEnqueue: ratio(alone.result.endpoint.reqPerSec, floor.enqueue["req/s"]),
      },
    },
    conditions: conditions({
      connections: CONNECTIONS,
      secondsPerScenario: SECONDS,
      sendsAccepted: alone.accepted + shared.accepted,
    }),
  };
}

/** Request bodies shaped like the endpoint's, for the bare Worker (which checks no key). */
function sampleBodies() {
  let n = 0;
  return () => {
    n += 1;
    return JSON.stringify({
      apiKey: `wak_${"x".repeat(43)}`,
      campaignName: "orders",
      destination: `98${String(n % 10_000_000).padStart(8, "0")}`,
      userName: `Lead ${n}`,
      source: "bench",
      templateParams: [`Lead ${n}`, `#${n}`],
      tags: ["crm"],
    });
  };
}

/** A project with an API campaign on a fresh Worker, its request bodies, and the isolate's caches warm. */
async function prepare(url) {
  const { key } = await createProject(url, "api-send bench");
  const auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  await json(`${url}/v1/tags`, "POST", auth, { name: "crm" });
  const template = await json(`${url}/v1/templates`, "POST", auth, {
    name: "order_update",
    language: "en_US",
    category: "UTILITY",
    body: { text: "Hi {{1}}, your order {{2}} is on its way.", examples: ["Asha", "#1042"] },
  });
  await json(`${url}/v1/api-campaigns`, "POST", auth, { name: "orders", templateId: template.body.id });
  // A one-time password: an authentication template's code fills its body and its OTP button.
  const otp = await json(`${url}/v1/templates`, "POST", auth, {
    name: "login_code",
    language: "en_US",
    category: "AUTHENTICATION",
    authentication: { securityRecommendation: true, codeExpirationMinutes: 10 },
    buttons: [{ type: "OTP", otpType: "COPY_CODE", text: "Copy code" }],
  });
  await json(`${url}/v1/api-campaigns`, "POST", auth, { name: "logins", templateId: otp.body.id });

  let n = 0;
  const bodyFor = () => {
    n += 1;
    return JSON.stringify({
      apiKey: key,
      campaignName: "orders",
      destination: `98${String(n % 10_000_000).padStart(8, "0")}`,
      userName: `Lead ${n}`,
      source: "bench",
      templateParams: [`Lead ${n}`, `#${n}`],
      tags: ["crm"],
    });
  };
  const otpBodyFor = () => {
    n += 1;
    return JSON.stringify({
      apiKey: key,
      campaignName: "logins",
      destination: `97${String(n % 10_000_000).padStart(8, "0")}`,
      userName: `Lead ${n}`,
      otpCode: String(100_000 + (n % 900_000)),
      expiresAt: Date.now() + 10 * 60_000,
    });
  };
  // Warm the isolate's caches (key, campaigns and templates, project snapshot).
  for (let i = 0; i < 5; i++) {
    for (const body of [bodyFor(), otpBodyFor()]) {
      const response = await fetch(`${url}/campaign/t1/api/v2`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      if (!response.ok) throw new Error(`warm-up send: ${response.status} ${await response.text()}`);
    }
  }
  return { bodyFor, otpBodyFor, accepted: () => n };
}

/**
 * The D1 round trips the request path waits on once warm, on a Worker of its own: counting them
 * (DEBUG_D1_COUNT) wraps every request's database, which would slow the path being timed.
 */
async function roundTrips() {
  const { mf, url } = await startWorker({ bindings: { DEBUG_D1_COUNT: "1" }, consumers: false });
  try {
    const { bodyFor, otpBodyFor } = await prepare(url);
    const trips = [];
    for (let i = 0; i < 50; i++) {
      // Every other request is an OTP send: neither kind may wait on D1 once warm.
      const response = await fetch(`${url}/campaign/t1/api/v2`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: i % 2 === 0 ? bodyFor() : otpBodyFor(),
      });
      trips.push(Number(response.headers.get("x-d1-round-trips")));
      await response.arrayBuffer();
    }
    const adminCheck = await fetch(`${url}/v1/admin/projects`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await adminCheck.arrayBuffer();
    return {
      requests: trips.length,
      min: Math.min(...trips),
      max: Math.max(...trips),
      total: trips.reduce((a, b) => a + b, 0),
      requestsWithZero: trips.filter((t) => t === 0).length,
    };
  } finally {
    await mf.dispose();
  }
}

async function measure({ consumers }) {
  const { mf, url } = await startWorker({ consumers });
  try {
    const { bodyFor, otpBodyFor, accepted } = await prepare(url);
    const rows = [];
    const common = { connections: CONNECTIONS, seconds: SECONDS };
    rows.push(await load({ name: "GET /health (bare route)", url: `${url}/health`, ...common }));
    const sends = (name, body) =>
      load({
        name,
        url: `${url}/campaign/t1/api/v2`,
        method: "POST",
        headers: { "content-type": "application/json" },
        requests: [{ method: "POST", setupRequest: (req) => ({ ...req, body: body() }) }],
        ...common,
      });
    rows.push(await sends("POST /campaign/t1/api/v2", bodyFor));
    rows.push(await sends("POST /campaign/t1/api/v2 (OTP)", otpBodyFor));
    const bare = rows[0]["req/s"];
    for (const row of rows) row["vs bare"] = `${((row["req/s"] / bare) * 100).toFixed(0)}%`;

    const d1RoundTrips = consumers ? null : await roundTrips();
    const [health, endpoint, otp] = rows;
    return {
      rows,
      accepted: accepted(),
      d1RoundTrips,
      result: {
        health: figures(health),
        endpoint: { ...figures(endpoint), ratioToBare: ratio(endpoint["req/s"], bare) },
        otp: { ...figures(otp), ratioToBare: ratio(otp["req/s"], bare) },
      },
      extra: d1RoundTrips && {
        title:
          "D1 round trips waited on per warm request (50 sequential requests, plain and OTP alternating, a Worker of their own)",
        rows: [
          {
            min: d1RoundTrips.min,
            max: d1RoundTrips.max,
            total: d1RoundTrips.total,
            "requests with 0": d1RoundTrips.requestsWithZero,
          },
        ],
      },
    };
  } finally {
    await mf.dispose();
  }
}
