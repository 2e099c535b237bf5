// API-campaign sends look up campaign → template on every request. An isolate keeps what it read
// for CAMPAIGN_CACHE_TTL_MS; the isolate that changes a campaign or template forgets the project's
// entries at once, others within the TTL (docs/api-campaigns.md).
export const CAMPAIGN_CACHE_TTL_MS = 15_000;

const entries = new Map<string, { value: unknown; expiresAt: number }>();
const MAX_ENTRIES = 10_000;

const keyOf = (projectId: string, name: string) => `${projectId}\u0000${name}`;

export function cached<T>(projectId: string, name: string, now = Date.now()): T | undefined {
  const hit = entries.get(keyOf(projectId, name));
  return hit && hit.expiresAt > now ? (hit.value as T) : undefined;
}

export function remember<T>(projectId: string, name: string, value: T, now = Date.now()): T {
  if (entries.size >= MAX_ENTRIES) entries.clear();
  entries.set(keyOf(projectId, name), { value, expiresAt: now + CAMPAIGN_CACHE_TTL_MS });
  return value;
}

/** Forgets every cached campaign of a project; call after changing a campaign or a template. */
export function forgetProjectCampaigns(projectId: string) {
  const prefix = `${projectId}\u0000`;
  for (const key of entries.keys()) if (key.startsWith(prefix)) entries.delete(key);
}
