import { runtimeBenchConfig } from "../runtime-config.ts";
import { faultsScenario } from "./scenario.ts";

// The project type-checks against the Workers runtime's types only; this file runs in Node.
declare const process: { env: Record<string, string | undefined> };

export default runtimeBenchConfig(
  "bench/faults/*.bench-test.ts",
  { faultsScenario: faultsScenario(process.env) },
  900_000,
);
