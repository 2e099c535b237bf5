import type { ProvidedContext } from "vitest";
import { defineConfig } from "vitest/config";
import base from "../vitest.config.ts";

// The vitest config of a benchmark that runs inside the Workers test runtime (faults,
// events): the project's test runtime (the Worker, its bindings, the stand-in Graph API as its
// outbound service), running only that benchmark's *.bench-test.ts files, with its scenario handed
// to the test through provide/inject. `npm test` includes test/**/*.test.ts and never picks these
// files up. Run from the repository root, as the project's config reads wrangler.toml and
// migrations/ from there.

export function runtimeBenchConfig(include: string, provide: Partial<ProvidedContext>, testTimeoutMs: number) {
  return defineConfig(async (configEnv) => {
    const config = await base(configEnv);
    // The suite's projects (the test files in parallel, the paced ones after) are not the
    // benchmark's: it runs its own files, one at a time.
    const { projects: _suite, ...test } = config.test ?? {};
    return { ...config, test: { ...test, include: [include], provide, testTimeout: testTimeoutMs, maxWorkers: 1 } };
  });
}
