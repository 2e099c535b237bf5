import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { type Request as MiniflareRequest, Response as MiniflareResponse, fetch as outboundFetch } from "miniflare";
import { defineConfig } from "vitest/config";
import { createGraphStandIn } from "./standin/graph-api";

/** The host the Worker reaches Meta's Graph API on in tests: served by the stand-in, in this process. */
export const GRAPH_STANDIN_HOST = "graph.standin.test";

// ONE stand-in for the whole run. Its state is keyed by phone number id and WABA id, so test files
// running in parallel each register their own account and never see each other's.
const graphStandIn = createGraphStandIn();

/**
 * Every fetch the Worker (and the tests inside workerd) make leaves through here: the stand-in's
 * host is answered in-process, anything else goes to the network as it would without this hook.
 */
async function outboundService(request: MiniflareRequest): Promise<MiniflareResponse> {
  if (new URL(request.url).hostname !== GRAPH_STANDIN_HOST) return outboundFetch(request);
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  const response = await graphStandIn.fetch(
    new Request(request.url, {
      method: request.method,
      headers: [...request.headers],
      body: hasBody ? await request.arrayBuffer() : undefined,
    }),
  );
  return new MiniflareResponse(await response.arrayBuffer(), {
    status: response.status,
    headers: [...response.headers],
  });
}

export default defineConfig(async () => {
  // The same files `wrangler d1 migrations apply` reads, applied by test/setup.ts.
  const migrations = await readD1Migrations("./migrations");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            ADMIN_TOKEN: "test-admin-token-0123456789",
            LOG_LEVEL: "warn",
            ENCRYPTION_KEY: "dEr4xKDPoOu4Odfj2XDC0VOMDidsQKLFEHQXcY+eRsQ=",
            GRAPH_API_BASE_URL: `https://${GRAPH_STANDIN_HOST}`,
          },
          outboundService,
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts"],
      setupFiles: ["./test/setup.ts"],
    },
  };
});
