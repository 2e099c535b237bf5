import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { whatsappAccounts } from "../db/schema";
import type { Config } from "../env";
import { ApiError } from "../lib/errors";
import { unseal } from "./credentials";
import { MetaProvider } from "./meta/provider";
import { SandboxProvider } from "./sandbox";
import type { WhatsAppProvider } from "./types";

export interface ResolvedAccount {
  projectId: string;
  provider: "meta" | "sandbox";
  phoneNumberId: string;
  wabaId: string;
  throughput: number;
  /** Present for Meta accounts: decrypted only when a provider is built. */
  accessTokenEnc: string | null;
}

/** Sandbox ids are derived from the project, so status webhooks route without any setup. */
export const sandboxIds = (projectId: string) => ({
  phoneNumberId: `sandbox-${projectId}`,
  wabaId: `sandbox-${projectId}`,
});

/** A project's account; a project without one uses the deployment's default provider, if that is the sandbox. */
export async function accountFor(db: Db, config: Config, projectId: string): Promise<ResolvedAccount> {
  const row = await db.select().from(whatsappAccounts).where(eq(whatsappAccounts.projectId, projectId)).get();
  if (row) return { ...row };
  if (config.WHATSAPP_PROVIDER === "sandbox") {
    return { projectId, provider: "sandbox", ...sandboxIds(projectId), throughput: 80, accessTokenEnc: null };
  }
  throw new ApiError(
    "not_configured",
    "this project has no WhatsApp account: an operator sets one with PUT /v1/admin/projects/{projectId}/whatsapp",
  );
}

export interface ProviderDeps {
  config: Config;
  events: Queue;
  /** Replaces the global fetch for Meta calls (tests and benchmarks). */
  fetch?: typeof fetch;
}

export async function providerFor(account: ResolvedAccount, deps: ProviderDeps): Promise<WhatsAppProvider> {
  if (account.provider === "sandbox") {
    return new SandboxProvider({
      projectId: account.projectId,
      phoneNumberId: account.phoneNumberId,
      wabaId: account.wabaId,
      events: deps.events,
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
    accessToken: await unseal(
      deps.config.ENCRYPTION_KEY,
      account.accessTokenEnc,
      credentialContext(account.projectId, "access_token"),
    ),
    fetch: deps.fetch,
  });
}

export const credentialContext = (projectId: string, field: "access_token" | "app_secret") => `${projectId}:${field}`;

export async function providerForProject(db: Db, deps: ProviderDeps, projectId: string) {
  const account = await accountFor(db, deps.config, projectId);
  return { account, provider: await providerFor(account, deps) };
}
