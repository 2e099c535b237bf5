import { defineConfig } from "vitest/config";
import base from "../../vitest.config.ts";
import { pacingScenarios } from "./scenarios.ts";

// The project's test runtime (the Worker, its bindings, the stand-in Graph API as its outbound
// service), running only the pacing benchmark: `npm test` includes test/**/*.test.ts and never
// picks these files up. Run from the repository root (`npm run bench -- pacing`), as the project's
// config reads wrangler.toml and migrations/ from there.

// The project type-checks against the Workers runtime's types only; this file runs in Node.
declare const process: { env: Record<string, string | undefined> };

export default defineConfig(async (configEnv) => {
  const config = await base(configEnv);
  const scenarios = pacingScenarios(process.env);
  const longest = Math.max(...scenarios.map((s) => s.seconds));
  return {
    ...config,
    test: {
      ...config.test,
      include: ["bench/pacing/*.bench-test.ts"],
      provide: { pacingScenarios: scenarios },
      // Past the cap the invocations under way still finish their batches, as they would on Cloudflare.
      testTimeout: (longest + 600) * 1000,
    },
  };
});
