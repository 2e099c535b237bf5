// The dashboard's browser tests: real Chromium (Debian's) against the real Worker under
// `wrangler dev`, with the sandbox provider and a fresh local D1/R2/Queues state each run.
//   npm run test:browser              every test file
//   npm run test:browser -- campaign  only files whose name contains "campaign"
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureChromium } from "../../scripts/ensure-chromium.mjs";
import { startWorker } from "./worker.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");

ensureChromium();
const worker = await startWorker(Number(process.env.BROWSER_TEST_PORT ?? 8798));
process.on("exit", worker.stop);
process.on("SIGINT", () => process.exit(130));

const only = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith(".test.mjs") && (!only || f.includes(only)))
  .map((f) => join(here, f));
const tests = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...files], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, BASE_URL: worker.baseUrl, ADMIN_TOKEN: "dev-admin-token-change-me" },
});
if (tests.status !== 0) console.error(`\nwrangler dev's output:\n${worker.log().slice(-5000)}`);
// wrangler's output pipes keep the event loop alive: exit explicitly, which stops it (above).
process.exit(tests.status ?? 1);
