import { DurableObject } from "cloudflare:workers";
import { newMessageId } from "../platform/ids";

/** How long a key is remembered: a retry within this window replays the first answer. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
// How long a duplicate waits for the first request to finish before being told to retry.
const WAIT_FOR_FIRST_MS = 15_000;
/**
 * A request that began a key and neither finished nor gave it up within this time was stopped (its
 * Worker killed or timed out): the next request with the key takes over, with the same message id.
 * Longer than any request takes, so a slow first request is never overtaken.
 */
export const IN_PROGRESS_TAKEOVER_MS = 60_000;

interface Entry {
  fingerprint: string;
  createdAt: number;
  /** Fixed when the key is first seen: every attempt under the key sends this message, no other. */
  messageId?: string;
  /** When the request now holding the key began; 0 when none holds it (given up). */
  startedAt?: number;
  response?: { status: number; body: string };
}

export type Begin =
  | { kind: "first"; messageId: string }
  | { kind: "replay"; status: number; body: string }
  | { kind: "conflict" }
  | { kind: "in_progress" };

/**
 * One object per (project, Idempotency-Key). A Durable Object runs one call at a time, so of 20
 * concurrent requests with one key exactly one is told it is first; the others wait for its
 * answer and replay it. The key's message id is fixed on first sight, so a retry after any failure
 * (a refused enqueue, a crash after it) enqueues the same message, which is stored and sent once.
 */
export class IdempotencyKeys extends DurableObject<Env> {
  private waiters: (() => void)[] = [];

  private entry(): Entry | undefined {
    return this.ctx.storage.kv.get<Entry>("entry");
  }

  private hold(entry: Entry, now: number, proposed: string | undefined): Begin {
    const held: Entry = { ...entry, messageId: entry.messageId ?? proposed ?? newMessageId(), startedAt: now };
    this.ctx.storage.kv.put("entry", held);
    return { kind: "first", messageId: held.messageId as string };
  }

  /**
   * `proposed`: the id the request drew for its message (an API day's slot), taken when the key is
   * new; a key seen before keeps the id it fixed then.
   */
  async begin(fingerprint: string, now = Date.now(), proposed?: string): Promise<Begin> {
    let entry = this.entry();
    if (entry && now - entry.createdAt > IDEMPOTENCY_TTL_MS) {
      this.ctx.storage.kv.delete("entry");
      entry = undefined;
    }
    if (!entry) {
      await this.ctx.storage.setAlarm(now + IDEMPOTENCY_TTL_MS);
      return this.hold({ fingerprint, createdAt: now }, now, proposed);
    }
    if (entry.fingerprint !== fingerprint) return { kind: "conflict" };
    if (entry.response) return { kind: "replay", ...entry.response };
    // Given up, or held by a request that stopped: this one takes the key, and its message id.
    const startedAt = entry.startedAt ?? entry.createdAt;
    if (startedAt === 0 || now - startedAt > IN_PROGRESS_TAKEOVER_MS) return this.hold(entry, now, proposed);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, WAIT_FOR_FIRST_MS);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    entry = this.entry();
    // Gone (expired) or given up meanwhile: start again, which takes the key.
    if (!entry || entry.startedAt === 0) return this.begin(fingerprint, Date.now(), proposed);
    return entry.response ? { kind: "replay", ...entry.response } : { kind: "in_progress" };
  }

  /** Stores the first request's answer and releases the duplicates waiting for it. */
  async complete(status: number, body: string): Promise<void> {
    const entry = this.entry();
    if (entry) this.ctx.storage.kv.put("entry", { ...entry, response: { status, body } } satisfies Entry);
    this.release();
  }

  /**
   * The request holding the key failed in a way a retry may get past: the key is let go, keeping
   * its message id and body, so the next request with it sends that same message.
   */
  async abandon(): Promise<void> {
    const entry = this.entry();
    if (entry) this.ctx.storage.kv.put("entry", { ...entry, startedAt: 0 } satisfies Entry);
    this.release();
  }

  override async alarm(): Promise<void> {
    this.ctx.storage.kv.delete("entry");
  }

  private release() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
