// Starts the built Worker in workerd through Miniflare's API: no dev-server proxy in front,
// the same bindings as wrangler.toml, migrations applied. Shared by every benchmark.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";

export const ADMIN_TOKEN = "bench-admin-token-0123456789";
const OUT_DIR = "bench/.out";

/** Bundles the Worker as `wrangler deploy` would; `entry` replaces wrangler.toml's main (a benchmark's own Worker). */
export function buildWorker(entry) {
  const outDir = entry ? join(OUT_DIR, basename(dirname(entry))) : OUT_DIR;
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outDir, ...(entry ? [entry] : [])], {
    stdio: "ignore",
  });
  return join(outDir, entry ? `${basename(entry, extname(entry))}.js` : "index.js");
}

export function wranglerCompatibilityDate() {
  const match = readFileSync("wrangler.toml", "utf8").match(/^compatibility_date\s*=\s*"([^"]+)"/m);
  if (!match) throw new Error("compatibility_date not found in wrangler.toml");
  return match[1];
}

/**
 * The Durable Object bindings wrangler.toml declares, so the benchmarked Worker never runs without
 * one the code relies on (every class is SQLite-backed, as its migrations say).
 */
function wranglerDurableObjects() {
  const toml = readFileSync("wrangler.toml", "utf8");
  const objects = {};
  for (const block of toml.split("[[durable_objects.bindings]]").slice(1)) {
    const name = block.match(/^name\s*=\s*"([^"]+)"/m)?.[1];
    const className = block.match(/^class_name\s*=\s*"([^"]+)"/m)?.[1];
    if (!name || !className) throw new Error("a [[durable_objects.bindings]] block without name or class_name");
    objects[name] = { className, useSQLite: true };
  }
  if (Object.keys(objects).length === 0) throw new Error("no Durable Object bindings found in wrangler.toml");
  return objects;
}

/** The queue consumers wrangler.toml declares for the main queues, with their batch settings. */
function wranglerQueueConsumers() {
  const toml = readFileSync("wrangler.toml", "utf8");
  const consumers = {};
  for (const block of toml.split("[[queues.consumers]]").slice(1)) {
    const setting = (key) => block.match(new RegExp(`^${key}\\s*=\\s*(\\S+)`, "m"))?.[1];
    const queue = setting("queue")?.replaceAll('"', "");
    if (!queue || queue.endsWith("-dlq")) continue;
    consumers[queue] = {
      maxBatchSize: Number(setting("max_batch_size")),
      maxBatchTimeout: Number(setting("max_batch_timeout")),
      maxRetries: Number(setting("max_retries")),
    };
  }
  if (Object.keys(consumers).length === 0) throw new Error("no [[queues.consumers]] found in wrangler.toml");
  return consumers;
}

/** The queue producer bindings wrangler.toml declares, so a queue added there reaches every benchmark. */
function wranglerQueueProducers() {
  const toml = readFileSync("wrangler.toml", "utf8");
  const producers = {};
  for (const block of toml.split("[[queues.producers]]").slice(1)) {
    const binding = block.match(/^binding\s*=\s*"([^"]+)"/m)?.[1];
    const queue = block.match(/^queue\s*=\s*"([^"]+)"/m)?.[1];
    if (!binding || !queue) throw new Error("a [[queues.producers]] block without binding or queue");
    producers[binding] = queue;
  }
  if (Object.keys(producers).length === 0) throw new Error("no [[queues.producers]] found in wrangler.toml");
  return producers;
}

/**
 * `outboundService` (Miniflare's option) is where the Worker's own fetches go, e.g. a local server
 * standing in for a customer's host; the network by default.
 *
 * `inspect: true` also opens workerd's inspector on a free port and returns its address as
 * `inspector` (ws://127.0.0.1:<port>), so a benchmark can read the Worker isolate's own heap over
 * the DevTools protocol rather than the whole process's memory. Only the import benchmark uses it.
 */
export async function startWorker({ bindings = {}, consumers = true, entry, inspect = false, outboundService } = {}) {
  const scriptPath = buildWorker(entry);
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      ...(inspect ? { inspectorPort: 0 } : {}),
      workers: [
        {
          name: "wa-campaigns",
          modules: true,
          scriptPath,
          compatibilityDate: wranglerCompatibilityDate(),
          d1Databases: { DB: "bench-db" },
          r2Buckets: { FILES: "bench-files" },
          queueConsumers: consumers ? wranglerQueueConsumers() : {},
          queueProducers: wranglerQueueProducers(),
          ...(outboundService ? { outboundService } : {}),
          durableObjects: wranglerDurableObjects(),
          bindings: {
            WHATSAPP_PROVIDER: "sandbox",
            GRAPH_API_BASE_URL: "http://127.0.0.1:9",
            GRAPH_API_VERSION: "v26.0",
            LOG_LEVEL: "warn",
            ADMIN_TOKEN,
            DEBUG_D1_COUNT: "0",
            ENCRYPTION_KEY: "tUusLXsPubduPGp3wl9oRFzeqEC/HlG6fPoXaKpJ2hU=",
            ...bindings,
          },
        },
      ],
    }),
  );
  const url = await mf.ready;
  await applyMigrations(await mf.getD1Database("DB"));
  const inspector = inspect ? (await mf.getInspectorURL()).toString().replace(/\/$/, "") : undefined;
  return { mf, url: url.toString().replace(/\/$/, ""), inspector };
}

async function applyMigrations(db) {
  const files = readdirSync("migrations")
    .filter((f) => f.endsWith(".sql"))
    .sort();
  for (const file of files) {
    const statements = readFileSync(join("migrations", file), "utf8")
      .split("--> statement-breakpoint")
      .map((s) => s.trim())
      .filter(Boolean);
    await db.batch(statements.map((s) => db.prepare(s)));
  }
}

/** Connects a project to a WhatsApp Business account with provider "meta", as the operator would. */
export async function connectMeta(url, projectId, account) {
  const put = await fetch(`${url}/v1/admin/projects/${projectId}/whatsapp`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ provider: "meta", ...account }),
  });
  if (!put.ok) throw new Error(`account set-up failed: ${put.status} ${await put.text()}`);
}

/** Creates a project with a manager key through the public API. */
export async function createProject(url, name = "bench") {
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
  const project = await (
    await fetch(`${url}/v1/admin/projects`, { method: "POST", headers: admin, body: JSON.stringify({ name }) })
  ).json();
  const key = await (
    await fetch(`${url}/v1/admin/projects/${project.id}/keys`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({ name: "bench", role: "manager" }),
    })
  ).json();
  return { projectId: project.id, key: key.key };
}
