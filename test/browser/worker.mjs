// The Worker under `wrangler dev` with a fresh local state (D1 migrated, R2, Queues, Durable
// Objects) and the sandbox provider, for the browser tests and the dashboard benchmark.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const wrangler = join(root, "node_modules/.bin/wrangler");

/** Starts the Worker on `port`; `stop()` ends it and deletes its state. */
export async function startWorker(port) {
  // A server left on the port would be tested instead of this one.
  const leftover = await fetch(`http://localhost:${port}/health`).then(
    () => true,
    () => false,
  );
  if (leftover) throw new Error(`port ${port} is already in use: stop what listens there, or set BROWSER_TEST_PORT`);
  const state = mkdtempSync(join(tmpdir(), "wa-dashboard-"));
  // No traffic off this machine: no metrics, and no fetch of Cloudflare's sample `request.cf`
  // (Miniflare then uses its built-in placeholder, which is what it falls back to offline anyway).
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", CI: "true" };
  const common = ["--persist-to", state, "--env-file", ".dev.vars.example"];
  const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", ...common], {
    cwd: root,
    env,
    encoding: "utf8",
  });
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);
  // [build] in wrangler.toml builds the dashboard before the Worker starts.
  const child = spawn(
    wrangler,
    [
      "dev",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      ...common,
      "--test-scheduled",
      "--show-interactive-dev-session=false",
      "--log-level",
      "warn",
    ],
    { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let log = "";
  child.stdout.on("data", (d) => {
    log += d;
  });
  child.stderr.on("data", (d) => {
    log += d;
  });
  // The whole process group, at once: wrangler's own children (workerd, the asset server) outlive a
  // SIGTERM to it, and the state is thrown away anyway. Synchronous, so it also works on exit.
  const stop = () => {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {}
    rmSync(state, { recursive: true, force: true });
  };
  const baseUrl = `http://localhost:${port}`;
  const started = Date.now();
  for (;;) {
    try {
      if ((await fetch(`${baseUrl}/health`)).ok) break;
    } catch {}
    if (child.exitCode !== null || Date.now() - started > 120_000) {
      stop();
      throw new Error(`wrangler dev did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { baseUrl, stop, log: () => log };
}
