// Results of media URL checks, kept per isolate so a campaign sending the same header image to
// many contacts asks the media server once: successes for 10 minutes, failures for 1 minute (a
// fixed file becomes usable soon). Bounded: when full, expired entries go first, then the oldest.
// Only the result is shared between requests, never a promise: a Worker must not await, in one
// request, I/O that another request started.

export const MEDIA_CHECK_SUCCESS_TTL_MS = 10 * 60_000;
export const MEDIA_CHECK_FAILURE_TTL_MS = 60_000;
export const MEDIA_CHECK_CACHE_MAX_ENTRIES = 1_000;

interface Entry<T> {
  value: T;
  expiresAt: number;
}

const entries = new Map<string, Entry<unknown>>();

export function cachedResult<T>(key: string, now: number): T | undefined {
  const hit = entries.get(key);
  if (!hit) return undefined;
  if (hit.expiresAt > now) return hit.value as T;
  entries.delete(key);
  return undefined;
}

export function rememberResult<T extends { ok: boolean }>(key: string, value: T, now: number): void {
  entries.delete(key);
  if (entries.size >= MEDIA_CHECK_CACHE_MAX_ENTRIES) {
    for (const [k, entry] of entries) if (entry.expiresAt <= now) entries.delete(k);
    // Maps iterate in insertion order: the first key is the oldest entry.
    while (entries.size >= MEDIA_CHECK_CACHE_MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  }
  const ttl = value.ok ? MEDIA_CHECK_SUCCESS_TTL_MS : MEDIA_CHECK_FAILURE_TTL_MS;
  entries.set(key, { value, expiresAt: now + ttl });
}

/** Forgets every cached check (for tests). */
export function clearMediaCheckCache(): void {
  entries.clear();
}

/** How many checks are cached (for tests of the bound). */
export function mediaCheckCacheSize(): number {
  return entries.size;
}
