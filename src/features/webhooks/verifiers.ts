import { eq, or } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { whatsappAccounts } from "../../platform/db/schema";
import { unseal } from "../../platform/sealed-secrets";
import { credentialContext } from "../../whatsapp/select";
import type { WebhookPayload } from "../../whatsapp/webhook/payload";
import { hmacKey } from "../../whatsapp/webhook/signature";

// Meta posts webhooks at up to several times the send rate; reading the account and unsealing its
// app secret for each one would make D1 and AES the bottleneck. An isolate keeps the imported
// HMAC keys for VERIFIER_TTL_MS (a rotated app secret is picked up within that time; the isolate
// that changes an account forgets at once).
const VERIFIER_TTL_MS = 30_000;
const verifiers = new Map<string, { keys: { projectId: string; key: CryptoKey }[]; expiresAt: number }>();

export function forgetWebhookVerifiers() {
  verifiers.clear();
}

export async function verifiersFor(db: Db, config: { ENCRYPTION_KEY: string }, payload: WebhookPayload) {
  const { lookup, cacheKey } = accountLookup(payload);
  const now = Date.now();
  const hit = cacheKey ? verifiers.get(cacheKey) : undefined;
  if (hit && hit.expiresAt > now) return hit.keys;
  const keys: { projectId: string; key: CryptoKey }[] = [];
  for (const account of await lookup(db)) {
    if (!account.appSecretEnc) continue;
    const secret = await unseal(
      config.ENCRYPTION_KEY,
      account.appSecretEnc,
      credentialContext(account.projectId, "app_secret"),
    );
    keys.push({ projectId: account.projectId, key: await hmacKey(secret) });
  }
  if (cacheKey && keys.length > 0) {
    if (verifiers.size > 10_000) verifiers.clear();
    verifiers.set(cacheKey, { keys, expiresAt: now + VERIFIER_TTL_MS });
  }
  return keys;
}

/** The accounts a payload speaks for: by phone number id, else by WhatsApp Business Account id. */
function accountLookup(payload: WebhookPayload) {
  const phoneIds = new Set<string>();
  const wabaIds = new Set<string>();
  for (const entry of payload.entry) {
    wabaIds.add(entry.id);
    for (const change of entry.changes) {
      const id = change.value.metadata?.phone_number_id;
      if (id) phoneIds.add(id);
    }
  }
  const byPhone = phoneIds.size > 0;
  const ids = [...(byPhone ? phoneIds : wabaIds)].sort();
  const conditions = ids.map((id) => eq(byPhone ? whatsappAccounts.phoneNumberId : whatsappAccounts.wabaId, id));
  return {
    cacheKey: ids.length > 0 ? `${byPhone ? "phone" : "waba"}:${ids.join(",")}` : null,
    lookup: (db: Db) =>
      conditions.length === 0
        ? Promise.resolve([])
        : db
            .select()
            .from(whatsappAccounts)
            .where(or(...conditions))
            .all(),
  };
}
