import { runtimeBenchConfig } from "../runtime-config.ts";
import { storageScenario } from "./scenario.ts";

// The project type-checks against the Workers runtime's types only; this file runs in Node.
declare const process: { env: Record<string, string | undefined> };

export default runtimeBenchConfig(
  "bench/storage/*.bench-test.ts",
  { storageScenario: storageScenario(process.env) },
  // 100,000 messages of each of four shapes take about two hours on two cores.
  4 * 3_600_000,
);
