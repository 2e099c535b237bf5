import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { type Request as MiniflareRequest, Response as MiniflareResponse } from "miniflare";
import { defineConfig } from "vitest/config";
import { buildDashboard } from "./scripts/build-dashboard.mjs";
import { testFilesCalling } from "./scripts/test-files.mjs";
import { ACCESS_AUD, ACCESS_HOST, createAccessStandIn } from "./standin/access.ts";
import { createGraphStandIn } from "./standin/graph-api/index.ts";
import { createHooksReceiver, HOOKS_HOST } from "./standin/hooks-receiver.ts";
import { MEDIA_HOSTS, mediaHostFetch } from "./standin/media-host.ts";

// The project type-checks against the Workers runtime's types only; this file runs in Node.
declare const process: { env: Record<string, string | undefined> };

/** The host the Worker reaches Meta's Graph API on in tests: served by the stand-in, in this process. */
export const GRAPH_STANDIN_HOST = "graph.standin.test";

// ONE stand-in for the whole run. Its state is keyed by phone number id and WABA id, so test files
// running in parallel each register their own account and never see each other's.
const graphStandIn = createGraphStandIn();
const hooksReceiver = createHooksReceiver();
const accessStandIn = createAccessStandIn();

/** Copies a request made inside workerd into a plain fetch-API one for an in-process handler. */
async function toFetchRequest(request: MiniflareRequest): Promise<Request> {
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  return new Request(request.url, {
    method: request.method,
    headers: [...request.headers],
    body: hasBody ? await request.arrayBuffer() : undefined,
  });
}

/** Hands an in-process handler's response back to workerd, headers (Content-Length too) intact. */
async function toMiniflareResponse(request: MiniflareRequest, response: Response): Promise<MiniflareResponse> {
  const bodiless = request.method === "HEAD" || response.status === 204 || response.status === 304;
  if (bodiless) await response.body?.cancel();
  return new MiniflareResponse(bodiless ? null : await response.arrayBuffer(), {
    status: response.status,
    headers: [...response.headers],
  });
}

/**
 * Every fetch the Worker (and the tests inside workerd) make leaves through here. The Graph API
 * stand-in's host and the fake media hosts are answered in-process; any other host gets a 502, so
 * no test ever reaches the real network (a test that needs a host must add a stand-in for it).
 */
async function outboundService(request: MiniflareRequest): Promise<MiniflareResponse> {
  const hostname = new URL(request.url).hostname;
  if (hostname === GRAPH_STANDIN_HOST) {
    return toMiniflareResponse(request, await graphStandIn.fetch(await toFetchRequest(request)));
  }
  if (hostname === ACCESS_HOST) {
    return toMiniflareResponse(request, await accessStandIn.fetch(await toFetchRequest(request)));
  }
  if (hostname === HOOKS_HOST) {
    return toMiniflareResponse(request, await hooksReceiver.fetch(await toFetchRequest(request)));
  }
  if ((MEDIA_HOSTS as readonly string[]).includes(hostname)) {
    return toMiniflareResponse(request, await mediaHostFetch(await toFetchRequest(request)));
  }
  return new MiniflareResponse(`tests reach no real network: no stand-in answers ${hostname}`, {
    status: 502,
    headers: { "content-type": "text/plain; charset=utf-8", "x-outbound-guard": "unknown-host" },
  });
}

// A fresh runtime (each worker's first file, and every file of OWN_RUNTIME_TESTS below) imports the
// Worker module by module through Vite's module runner, one request per module: about 700 modules,
// over half of them from node_modules (libphonenumber-js, drizzle-orm and zod alone are ~320 files).
// Pre-bundled, each package below is one or a few modules, which takes about a second off every
// such start. A package or
// subpath missing here still works, unbundled; list the bare imports of src/ and test/ here.
const BUNDLED_DEPENDENCIES = [
  "@hono/zod-openapi",
  "@scalar/hono-api-reference",
  "drizzle-orm",
  "drizzle-orm/batch",
  "drizzle-orm/d1",
  "drizzle-orm/sqlite-core",
  "hono",
  "hono/body-limit",
  "hono/cookie",
  "hono/factory",
  "hono/http-exception",
  "hono/jwt",
  "hono/request-id",
  "hono/utils/jwt/jws",
  "libphonenumber-js",
  "multipasta",
  "zod",
];

// Test files whose assertions hold a rate against the wall clock (sends a second at a number's cap).
const PACED_TESTS = ["test/delivery/pacing.concurrency.test.ts"];

// Most test files share their runtime with the files run before them in the same worker: its
// modules (loading the Worker module by module took about 3.5 s a file, two thirds of the suite's
// time) and its D1, R2, queues and Durable Objects. That is closer to production, where a tenant's
// requests meet every other tenant's rows, and each file's fixtures (projects, numbers, ids) are
// its own. These files get a fresh runtime each, because what they assert is deployment-wide:
// - sweeps, crons and operator listings act on every project in the database;
// - cost tests count every statement D1 runs while they measure, so work another file left running
//   (a queue batch, an outbox drain, an alarm) would be counted as theirs;
// - fault injection arms D1 failures for whatever statement matches next, whoever runs it.
const OWN_RUNTIME_TESTS = [
  // deployment-wide: sweeps, crons, operator listings
  "test/acceptance/whatsapp-today.test.ts",
  "test/admin/admin.error.test.ts",
  "test/admin/admin.happy.test.ts",
  "test/archive/archive.sweep.test.ts",
  "test/delivery/pipeline.test.ts",
  "test/delivery/sweep.feed.test.ts",
  "test/delivery/sweep.limits.test.ts",
  "test/delivery/sweep.runs.test.ts",
  "test/delivery/unknown-outcome.test.ts",
  "test/faults/faults.test.ts",
  "test/imports/imports.exactly-once.test.ts",
  "test/imports/imports.sweep.test.ts",
  "test/messages/ledger-indexes.test.ts",
  "test/platform/conventions.test.ts",
  "test/runs/runs.marketing-retry.test.ts",
  "test/runs/runs.sweep.test.ts",
  "test/sessions/access.test.ts",
  "test/sessions/session.routes.test.ts",
  // counts its own transitions straight into the counters: an outbox drain another file sets off
  // would count the same messages' log rows a second time
  "test/stats/stats.record.test.ts",
  "test/webhooks/account-state.test.ts",
  // and, found by what they call, whatever file meters D1 (test/d1-cost.ts) or injects its faults
  // (test/d1-faults.ts), so a new one cannot land in the shared runtime by mistake
  ...testFilesCalling("measureD1", "failD1"),
];

export default defineConfig(async () => {
  // The Worker serves the dashboard from dist/dashboard (wrangler.toml [assets]): built first, so a
  // fresh clone's tests find it.
  // Vitest loads this file once per project, in one process: one build, however many projects
  // ask (three builds writing dist/dashboard at once read each other's half-written files).
  const builds = globalThis as { dashboardBuild?: Promise<unknown> };
  builds.dashboardBuild ??= buildDashboard({ quiet: true });
  await builds.dashboardBuild;
  // The same files `wrangler d1 migrations apply` reads, applied by test/setup.ts to each test
  // file's fresh D1 — as ONE batch: one round trip per file instead of one per migration, which
  // cost every file seconds. Each migration's statements keep their order; a batch is one
  // transaction, as each migration was on its own.
  const migrations = [
    {
      name: "all-migrations",
      queries: (await readD1Migrations("./migrations")).flatMap((migration) => migration.queries),
    },
  ];
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_TOKEN: "test-admin-token-0123456789",
            LOG_LEVEL: "warn",
            ENCRYPTION_KEY: "dEr4xKDPoOu4Odfj2XDC0VOMDidsQKLFEHQXcY+eRsQ=",
            GRAPH_API_BASE_URL: `https://${GRAPH_STANDIN_HOST}`,
            // Cloudflare Access in front of the operator routes, played by standin/access.ts.
            ACCESS_TEAM_DOMAIN: `https://${ACCESS_HOST}`,
            ACCESS_AUD,
            // Half of production's 10 s, so a test of a send whose answer never comes takes seconds.
            GRAPH_API_TIMEOUT_MS: "5000",
            // A developer's .dev.vars (written by `npm run dev`) also reaches the tests; local media
            // hosts stay off unless a test turns them on itself.
            DEV_MEDIA_HOSTS: "",
            // Pages of two contacts, so that test audiences of a handful span several fan-out pages
            // and jobs (production reads 500 by default). A benchmark that runs in this runtime
            // measures production's pages instead (BENCH_FANOUT_PAGE_SIZE, bench/storage/).
            FANOUT_PAGE_SIZE: process.env.BENCH_FANOUT_PAGE_SIZE ?? "2",
          },
          // A second shard of the events and sends queues (src/platform/queue-shards.ts), as an
          // operator adds one (docs/scaling.md#adding-a-queue-shard): every test's projects and
          // numbers spread over both, each consumed like the first.
          queueProducers: {
            EVENTS_1: { queueName: "wa-campaigns-events-1" },
            SENDS_1: { queueName: "wa-campaigns-sends-1" },
          },
          // Queues hand over what they have at once: a batch timeout is a latency setting, not a
          // limit, and production's (a second for events and callbacks, five for dead letters)
          // made every test that waits for a webhook or a dead letter wait for it. Batch sizes,
          // retries and dead-letter queues stay production's.
          queueConsumers: {
            "wa-campaigns-callbacks": {
              maxBatchSize: 100,
              maxBatchTimeout: 0,
              maxRetries: 10,
              deadLetterQueue: "wa-campaigns-callbacks-dlq",
            },
            ...Object.fromEntries(
              ["events", "sends", "jobs", "callbacks"].map((q) => [
                `wa-campaigns-${q}-dlq`,
                { maxBatchSize: q === "jobs" ? 10 : 100, maxBatchTimeout: 0, maxRetries: 100 },
              ]),
            ),
            "wa-campaigns-events": {
              maxBatchSize: 100,
              maxBatchTimeout: 0,
              maxRetries: 10,
              deadLetterQueue: "wa-campaigns-events-dlq",
            },
            "wa-campaigns-events-1": {
              maxBatchSize: 100,
              maxBatchTimeout: 0,
              maxRetries: 10,
              deadLetterQueue: "wa-campaigns-events-dlq",
            },
            "wa-campaigns-sends-1": {
              maxBatchSize: 100,
              maxBatchTimeout: 0,
              maxRetries: 10,
              deadLetterQueue: "wa-campaigns-sends-dlq",
            },
          },
          outboundService,
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup.ts"],
      // A file's runtime closes while work the Worker left running (a queue batch, an outbox
      // drain) may still ask the module runner for a module, which the closing runner refuses:
      // EnvironmentTeardownError, "Closing rpc while … was pending", after every test of the
      // file passed. That is the test runtime ending under the Worker; in production no runtime
      // closes mid-batch, and a batch that stops is redelivered and the outbox catches up. Those
      // errors alone are let pass; any other unhandled error still fails the run.
      onUnhandledError: (error: { name?: string; message?: string }) =>
        !(error.name === "EnvironmentTeardownError" && /Closing rpc while/.test(error.message ?? "")),
      deps: { optimizer: { ssr: { enabled: true, include: BUNDLED_DEPENDENCIES } } },
      projects: [
        {
          extends: true as const,
          test: {
            name: "workers",
            include: ["test/**/*.test.ts"],
            exclude: [...PACED_TESTS, ...OWN_RUNTIME_TESTS],
            isolate: false,
            // One file per CPU. Vitest's default leaves one CPU free, which on a two-core machine
            // runs the files one at a time; a file spends much of its start waiting on module
            // requests, so two at a time on two cores take about a third less time in all. Three
            // took the files about 100 s less again (about 620 s), but on a loaded machine windows
            // of sends then wake too late for their slots more often, are parked for the number's
            // governor, and their late statements fall into cost tests' measurements: not worth
            // a red CI run for a minute and a half.
            maxWorkers: "100%",
          },
        },
        {
          extends: true as const,
          test: { name: "own-runtime", include: OWN_RUNTIME_TESTS, maxWorkers: "100%" },
        },
        {
          extends: true as const,
          // After the others, one file at a time: these assert a send rate against the wall clock,
          // which a second file on the same cores would take a share of.
          test: { name: "paced", include: PACED_TESTS, maxWorkers: 1, sequence: { groupOrder: 1 } },
        },
      ],
    },
  };
});
