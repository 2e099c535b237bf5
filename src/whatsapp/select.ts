import type { Config } from "../platform/config";
import type { Db } from "../platform/db/client";
import { ApiError } from "../platform/errors";
import { unseal } from "../platform/sealed-secrets";
import { accountFor, type ResolvedAccount } from "./accounts";
import { MetaProvider } from "./meta/provider";
import type { WhatsAppProvider } from "./provider";
import { SandboxProvider } from "./sandbox";

export { accountFor, type ResolvedAccount, sandboxIds } from "./accounts";

export interface ProviderDeps {
  config: Config;
  events: Queue;
  /** Replaces the global fetch for Meta calls (tests and benchmarks). */
  fetch?: typeof fetch;
}

/** Binds a sealed credential to its project and column, so it cannot be replayed elsewhere. */
export const credentialContext = (projectId: string, field: "access_token" | "app_secret") => `${projectId}:${field}`;

export async function providerFor(account: ResolvedAccount, deps: ProviderDeps): Promise<WhatsAppProvider> {
  if (account.provider === "sandbox") {
    return new SandboxProvider({
      projectId: account.projectId,
      phoneNumberId: account.phoneNumberId,
      wabaId: account.wabaId,
      events: deps.events,
      marketingMessagesApi: account.marketingMessagesApi,
    });
  }
  if (!account.accessTokenEnc) {
    throw new ApiError("not_configured", "this project's WhatsApp account has no access token");
  }
  return new MetaProvider({
    baseUrl: deps.config.GRAPH_API_BASE_URL,
    version: deps.config.GRAPH_API_VERSION,
    phoneNumberId: account.phoneNumberId,
    wabaId: account.wabaId,
    marketingMessagesApi: account.marketingMessagesApi,
    appId: account.appId,
    accessToken: await unseal(
      deps.config.ENCRYPTION_KEY,
      account.accessTokenEnc,
      credentialContext(account.projectId, "access_token"),
    ),
    fetch: deps.fetch,
    timeoutMs: deps.config.GRAPH_API_TIMEOUT_MS,
  });
}

export async function providerForProject(db: Db, deps: ProviderDeps, projectId: string) {
  const account = await accountFor(db, deps.config, projectId);
  return { account, provider: await providerFor(account, deps) };
}
