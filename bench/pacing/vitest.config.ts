import { runtimeBenchConfig } from "../runtime-config.ts";
import { pacingScenarios } from "./scenarios.ts";

// The project type-checks against the Workers runtime's types only; this file runs in Node.
declare const process: { env: Record<string, string | undefined> };

const scenarios = pacingScenarios(process.env);
const longest = Math.max(...scenarios.map((s) => s.seconds));
// Past the cap the invocations under way still finish their batches, as they would on Cloudflare.
export default runtimeBenchConfig(
  "bench/pacing/*.bench-test.ts",
  { pacingScenarios: scenarios },
  (longest + 600) * 1000,
);
