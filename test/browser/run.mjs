// The dashboard's browser tests: real Chromium (Debian's) against the real Worker under
// `wrangler dev`, with the sandbox provider and a fresh local D1/R2/Queues state each run.
//   npm run test:browser              every test file
//   npm run test:browser -- campaign  only files whose name contains "campaign"
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureChromium } from "../../scripts/ensure-chromium.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const here = join(root, "test/browser");
const wrangler = join(root, "node_modules/.bin/wrangler");
const PORT = Number(process.env.BROWSER_TEST_PORT ?? 8798);
const BASE_URL = `http://localhost:${PORT}`;

ensureChromium();
const state = mkdtempSync(join(tmpdir(), "wa-dashboard-"));
const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" };
const migrate = spawnSync(
  wrangler,
  ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state, "--env-file", ".dev.vars.example"],
  { cwd: root, env: wranglerEnv, encoding: "utf8" },
);
if (migrate.status !== 0) {
  console.error(migrate.stdout, migrate.stderr);
  process.exit(1);
}

// [build] in wrangler.toml builds the dashboard before the Worker starts.
const worker = spawn(
  wrangler,
  [
    "dev",
    "--port",
    String(PORT),
    "--ip",
    "127.0.0.1",
    "--persist-to",
    state,
    "--env-file",
    ".dev.vars.example",
    "--test-scheduled",
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ],
  { cwd: root, env: wranglerEnv, stdio: ["ignore", "pipe", "pipe"], detached: true },
);
let workerLog = "";
worker.stdout.on("data", (d) => {
  workerLog += d;
});
worker.stderr.on("data", (d) => {
  workerLog += d;
});
const stop = () => {
  try {
    process.kill(-worker.pid, "SIGTERM");
  } catch {}
  rmSync(state, { recursive: true, force: true });
};
process.on("exit", stop);
process.on("SIGINT", () => process.exit(130));

const started = Date.now();
for (;;) {
  try {
    if ((await fetch(`${BASE_URL}/health`)).ok) break;
  } catch {}
  if (worker.exitCode !== null || Date.now() - started > 120_000) {
    console.error(`wrangler dev did not start:\n${workerLog}`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 250));
}

const only = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith(".test.mjs") && (!only || f.includes(only)))
  .map((f) => join(here, f));
const tests = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...files], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, BASE_URL, ADMIN_TOKEN: "dev-admin-token-change-me" },
});
if (tests.status !== 0) console.error(`\nwrangler dev's output:\n${workerLog.slice(-5000)}`);
// The worker's output pipes keep the event loop alive: exit explicitly (the exit handler stops wrangler).
process.exit(tests.status ?? 1);
