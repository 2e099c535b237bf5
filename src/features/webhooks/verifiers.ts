import { isNotNull } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { whatsappAccounts } from "../../platform/db/schema";
import { unseal } from "../../platform/sealed-secrets";
import { credentialContext } from "../../whatsapp/select";
import { hmacKey, verifySignature } from "../../whatsapp/webhook/signature";

// Meta signs a webhook with the app secret of the Meta app it comes from, and one app may serve
// several projects' numbers (one POST can carry changes for several of them). So the signature is
// checked first, on the raw bytes, against every app secret this deployment knows — nothing of the
// body is parsed or looked up before — and only then is each change routed to the project that
// owns its number, among the accounts of the app that signed it.
//
// Reading and unsealing the accounts for each POST would make D1 and AES the bottleneck at
// thousands of webhooks a second, so an isolate keeps the imported HMAC keys, one per distinct app
// secret, for KEYS_TTL_MS (a rotated app secret is picked up within that time; the isolate that
// changes an account forgets at once). A signature that matches none of them refreshes the keys
// at most once every REFRESH_MS, so unsigned traffic cannot turn into D1 reads.
const KEYS_TTL_MS = 30_000;
const REFRESH_MS = 5_000;

/** A project's WhatsApp account, as a webhook change names it. */
export interface WebhookAccount {
  projectId: string;
  phoneNumberId: string;
  wabaId: string;
}

/** One app secret: its HMAC key and the accounts configured with it. */
export interface AppKey {
  key: CryptoKey;
  accounts: WebhookAccount[];
}

let cache: { keys: AppKey[]; loadedAt: number } | null = null;

export function forgetWebhookVerifiers() {
  cache = null;
}

async function loadKeys(db: Db, encryptionKey: string): Promise<AppKey[]> {
  const rows = await db
    .select({
      projectId: whatsappAccounts.projectId,
      phoneNumberId: whatsappAccounts.phoneNumberId,
      wabaId: whatsappAccounts.wabaId,
      appSecretEnc: whatsappAccounts.appSecretEnc,
    })
    .from(whatsappAccounts)
    .where(isNotNull(whatsappAccounts.appSecretEnc))
    .all();
  const bySecret = new Map<string, WebhookAccount[]>();
  for (const row of rows) {
    if (!row.appSecretEnc) continue;
    const secret = await unseal(encryptionKey, row.appSecretEnc, credentialContext(row.projectId, "app_secret"));
    const list = bySecret.get(secret) ?? [];
    list.push({ projectId: row.projectId, phoneNumberId: row.phoneNumberId, wabaId: row.wabaId });
    bySecret.set(secret, list);
  }
  return Promise.all([...bySecret].map(async ([secret, accounts]) => ({ key: await hmacKey(secret), accounts })));
}

async function keysOf(db: Db, encryptionKey: string, refresh: boolean, now: number) {
  const stale = !cache || now - cache.loadedAt > KEYS_TTL_MS || (refresh && now - cache.loadedAt > REFRESH_MS);
  if (stale) cache = { keys: await loadKeys(db, encryptionKey), loadedAt: now };
  return cache?.keys ?? [];
}

/**
 * The app whose secret signed these exact bytes, or null. Tries the cached keys first, and the
 * accounts as D1 has them now only if none matches and the cache was not just read.
 */
export async function signingApp(
  db: Db,
  encryptionKey: string,
  raw: ArrayBuffer,
  signature: string,
  now = Date.now(),
): Promise<AppKey | null> {
  const matching = async (keys: AppKey[]) => {
    for (const app of keys) if (await verifySignature(app.key, raw, signature)) return app;
    return null;
  };
  const found = await matching(await keysOf(db, encryptionKey, false, now));
  if (found) return found;
  const loadedBefore = cache?.loadedAt;
  const keys = await keysOf(db, encryptionKey, true, now);
  return cache?.loadedAt === loadedBefore ? null : matching(keys);
}

/**
 * The projects one change of a signed payload belongs to, among the signing app's accounts: by the
 * change's business phone number, or, for changes that name none (template reviews), by its
 * WhatsApp Business Account.
 */
export function projectsFor(app: AppKey, wabaId: string, phoneNumberId: string | undefined): string[] {
  const owners = app.accounts.filter((a) => (phoneNumberId ? a.phoneNumberId === phoneNumberId : a.wabaId === wabaId));
  return [...new Set(owners.map((a) => a.projectId))];
}
