import { eq } from "drizzle-orm";
import type { Config } from "../platform/config";
import type { Db } from "../platform/db/client";
import { whatsappAccounts } from "../platform/db/schema";
import { ApiError } from "../platform/errors";

export interface ResolvedAccount {
  projectId: string;
  provider: "meta" | "sandbox";
  phoneNumberId: string;
  wabaId: string;
  throughput: number;
  /** Onboarded to Meta's Marketing Messages API: marketing templates go to /marketing_messages. */
  marketingMessagesApi: boolean;
  /** The Meta app's id, for template media examples; null when not set. */
  appId: string | null;
  /** Ciphertexts: decrypted only where they are used. */
  accessTokenEnc: string | null;
  appSecretEnc: string | null;
}

/** Sandbox ids are derived from the project, so its status webhooks route without any setup. */
export const sandboxIds = (projectId: string) => ({
  phoneNumberId: `sandbox-${projectId}`,
  wabaId: `sandbox-${projectId}`,
});

// Sends and webhooks look the account up constantly; it changes rarely. Same trade-off as API keys:
// the isolate that changes an account forgets it at once, others within ACCOUNT_CACHE_TTL_MS.
const ACCOUNT_CACHE_TTL_MS = 30_000;
const cache = new Map<string, { account: ResolvedAccount | null; expiresAt: number }>();

export function forgetAccount(projectId: string) {
  cache.delete(projectId);
}

async function storedAccount(db: Db, projectId: string): Promise<ResolvedAccount | null> {
  const now = Date.now();
  const hit = cache.get(projectId);
  if (hit && hit.expiresAt > now) return hit.account;
  const row = await db.select().from(whatsappAccounts).where(eq(whatsappAccounts.projectId, projectId)).get();
  const account = row
    ? {
        projectId: row.projectId,
        provider: row.provider,
        phoneNumberId: row.phoneNumberId,
        wabaId: row.wabaId,
        throughput: row.throughput,
        marketingMessagesApi: row.marketingMessagesApi,
        appId: row.appId,
        accessTokenEnc: row.accessTokenEnc,
        appSecretEnc: row.appSecretEnc,
      }
    : null;
  if (cache.size > 10_000) cache.clear();
  cache.set(projectId, { account, expiresAt: now + ACCOUNT_CACHE_TTL_MS });
  return account;
}

/** A project's account; without one, the deployment's default provider if that is the sandbox. */
export async function accountFor(db: Db, config: Config, projectId: string): Promise<ResolvedAccount> {
  const stored = await storedAccount(db, projectId);
  if (stored) return stored;
  if (config.WHATSAPP_PROVIDER === "sandbox") {
    return {
      projectId,
      provider: "sandbox",
      ...sandboxIds(projectId),
      throughput: 80,
      marketingMessagesApi: false,
      appId: null,
      accessTokenEnc: null,
      appSecretEnc: null,
    };
  }
  throw new ApiError(
    "not_configured",
    "this project has no WhatsApp account: an operator sets one with PUT /v1/admin/projects/{projectId}/whatsapp",
  );
}
