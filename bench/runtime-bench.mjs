// Benchmarks that run inside the Workers test runtime (faults, events): their vitest config runs
// their *.bench-test.ts files, each of which prints one `<MARKER> {json}` line per measurement.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createInterface } from "node:readline";

// Local D1 and Durable Object storage are SQLite files that workerd commits, with an fsync, on the
// one thread that also runs every consumer invocation, the governor and the outbox: measured, some
// 150 fsyncs a second at 1,000 sends/s, about a twentieth of that thread's time spent waiting on
// the disk. On Cloudflare those writes never block a Worker's thread. So the runtime's temporary
// storage goes to a RAM-backed file system where the machine has one, and the benchmark says so.
const RAM_DIR = "/dev/shm";

/** Where the runtime keeps local D1 and Durable Object storage for this run, as printed with the conditions. */
export const runtimeStorage = existsSync(RAM_DIR)
  ? `${RAM_DIR} (tmpfs: commits do not wait on the disk)`
  : "the system's temporary directory (on disk)";

/**
 * Points the temporary directory at RAM while a Miniflare started in this process keeps its local
 * storage there (Miniflare reads TMPDIR when it starts). Call the returned function to clean up.
 */
export function useRamStorage() {
  if (!existsSync(RAM_DIR)) return () => {};
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(`${RAM_DIR}/wa-campaigns-bench-`);
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}

/** Runs `config` with vitest and returns the JSON of every line carrying `marker`; other lines pass through. */
export async function runtimeFigures(name, config, marker) {
  const storage = existsSync(RAM_DIR) ? mkdtempSync(`${RAM_DIR}/wa-campaigns-bench-`) : null;
  const env = storage ? { ...process.env, TMPDIR: storage } : process.env;
  const child = spawn("npx", ["vitest", "run", "--config", config], { stdio: ["ignore", "pipe", "inherit"], env });
  const figures = [];
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      // Vitest may colour the line it prints a test's console output on; the marker sits after that.
      const at = line.indexOf(marker);
      if (at !== -1) figures.push(JSON.parse(line.slice(at + marker.length)));
      else if (line.trim() !== "") console.log(line);
    }
    const code = await new Promise((resolve) => child.on("close", resolve));
    if (code !== 0) throw new Error(`the ${name} benchmark's vitest run failed (exit ${code})`);
    return figures;
  } finally {
    if (storage) rmSync(storage, { recursive: true, force: true });
  }
}
