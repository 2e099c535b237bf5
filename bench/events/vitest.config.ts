import { defineConfig } from "vitest/config";
import base from "../../vitest.config.ts";
import { eventsScenario } from "./scenario.ts";

// The project's test runtime (the Worker, its bindings, the stand-in Graph API as its outbound
// service), running only the events benchmark: `npm test` includes test/**/*.test.ts and never
// picks these files up. Run from the repository root (`npm run bench -- events`).

// The project type-checks against the Workers runtime's types only; this file runs in Node.
declare const process: { env: Record<string, string | undefined> };

export default defineConfig(async (configEnv) => {
  const config = await base(configEnv);
  return {
    ...config,
    test: {
      ...config.test,
      include: ["bench/events/*.bench-test.ts"],
      provide: { eventsScenario: eventsScenario(process.env) },
      testTimeout: 900_000,
    },
  };
});
