import { defineConfig } from "vitest/config";
import base from "../../vitest.config.ts";
import { faultsScenario } from "./scenario.ts";

// The project's test runtime (the Worker, its bindings, the stand-in Graph API as its outbound
// service), running only the faults benchmark: `npm test` includes test/**/*.test.ts and never
// picks these files up. Run from the repository root (`npm run bench -- faults`).

// The project type-checks against the Workers runtime's types only; this file runs in Node.
declare const process: { env: Record<string, string | undefined> };

export default defineConfig(async (configEnv) => {
  const config = await base(configEnv);
  return {
    ...config,
    test: {
      ...config.test,
      include: ["bench/faults/*.bench-test.ts"],
      provide: { faultsScenario: faultsScenario(process.env) },
      testTimeout: 900_000,
    },
  };
});
