// Benchmarks that run inside the Workers test runtime (pacing, faults): their vitest config runs
// their *.bench-test.ts files, each of which prints one `<MARKER> {json}` line per measurement.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** Runs `config` with vitest and returns the JSON of every line carrying `marker`; other lines pass through. */
export async function runtimeFigures(name, config, marker) {
  const child = spawn("npx", ["vitest", "run", "--config", config], { stdio: ["ignore", "pipe", "inherit"] });
  const figures = [];
  for await (const line of createInterface({ input: child.stdout })) {
    // Vitest may colour the line it prints a test's console output on; the marker sits after that.
    const at = line.indexOf(marker);
    if (at !== -1) figures.push(JSON.parse(line.slice(at + marker.length)));
    else if (line.trim() !== "") console.log(line);
  }
  const code = await new Promise((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`the ${name} benchmark's vitest run failed (exit ${code})`);
  return figures;
}
