// Results of media URL checks, kept so a campaign sending the same header image to many contacts
// asks the media server once: successes for 10 minutes, failures for 1 minute (a fixed file
// becomes usable soon). Bounded: when full, expired entries go first, then the oldest.
// Only the result is shared between requests, never a promise: a Worker must not await, in one
// request, I/O that another request started.

export const MEDIA_CHECK_SUCCESS_TTL_MS = 10 * 60_000;
export const MEDIA_CHECK_FAILURE_TTL_MS = 60_000;
export const MEDIA_CHECK_CACHE_MAX_ENTRIES = 1_000;

interface Entry<T> {
  value: T;
  expiresAt: number;
}

export class ResultCache<T extends { ok: boolean }> {
  readonly #entries = new Map<string, Entry<T>>();

  get size(): number {
    return this.#entries.size;
  }

  get(key: string, now: number): T | undefined {
    const hit = this.#entries.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt > now) return hit.value;
    this.#entries.delete(key);
    return undefined;
  }

  remember(key: string, value: T, now: number): void {
    const entries = this.#entries;
    entries.delete(key);
    if (entries.size >= MEDIA_CHECK_CACHE_MAX_ENTRIES) {
      for (const [k, entry] of entries) if (entry.expiresAt <= now) entries.delete(k);
      // Maps iterate in insertion order: the first key is the oldest entry.
      while (entries.size >= MEDIA_CHECK_CACHE_MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
    }
    const ttl = value.ok ? MEDIA_CHECK_SUCCESS_TTL_MS : MEDIA_CHECK_FAILURE_TTL_MS;
    entries.set(key, { value, expiresAt: now + ttl });
  }
}
