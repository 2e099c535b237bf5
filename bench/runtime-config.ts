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
    return { ...config, test: { ...config.test, include: [include], provide, testTimeout: testTimeoutMs } };
  });
}
