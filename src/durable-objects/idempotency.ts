import { DurableObject } from "cloudflare:workers";

/** How long a key is remembered: a retry within this window replays the first answer. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
// How long a duplicate waits for the first request to finish before being told to retry.
const WAIT_FOR_FIRST_MS = 15_000;

interface Entry {
  fingerprint: string;
  createdAt: number;
  response?: { status: number; body: string };
}

export type Begin =
  | { kind: "first" }
  | { kind: "replay"; status: number; body: string }
  | { kind: "conflict" }
  | { kind: "in_progress" };

/**
 * One object per (project, Idempotency-Key). A Durable Object runs one call at a time, so of 20
 * concurrent requests with one key exactly one is told it is first; the others wait for its
 * answer and replay it.
 */
export class IdempotencyKeys extends DurableObject<Env> {
  private waiters: (() => void)[] = [];

  private entry(): Entry | undefined {
    return this.ctx.storage.kv.get<Entry>("entry");
  }

  async begin(fingerprint: string, now = Date.now()): Promise<Begin> {
    let entry = this.entry();
    if (entry && now - entry.createdAt > IDEMPOTENCY_TTL_MS) {
      this.ctx.storage.kv.delete("entry");
      entry = undefined;
    }
    if (!entry) {
      this.ctx.storage.kv.put("entry", { fingerprint, createdAt: now } satisfies Entry);
      await this.ctx.storage.setAlarm(now + IDEMPOTENCY_TTL_MS);
      return { kind: "first" };
    }
    if (entry.fingerprint !== fingerprint) return { kind: "conflict" };
    if (!entry.response) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, WAIT_FOR_FIRST_MS);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      entry = this.entry();
      if (!entry) return this.begin(fingerprint);
      if (!entry.response) return { kind: "in_progress" };
    }
    return { kind: "replay", ...entry.response };
  }

  /** Stores the first request's answer and releases the duplicates waiting for it. */
  async complete(status: number, body: string): Promise<void> {
    const entry = this.entry();
    if (entry) this.ctx.storage.kv.put("entry", { ...entry, response: { status, body } } satisfies Entry);
    this.release();
  }

  /** The first request failed in a way worth retrying: forget the key so a retry starts afresh. */
  async abandon(): Promise<void> {
    this.ctx.storage.kv.delete("entry");
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
