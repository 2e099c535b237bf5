import { env } from "cloudflare:workers";
import worker from "../../src/index";

// Plays Cloudflare Queues for one consumer inside the Workers test runtime. Miniflare's local
// broker hands a consumer one batch at a time, but on Cloudflare a push consumer scales out, as its
// backlog grows, to as many as 250 concurrent invocations ("Concurrent consumer invocations: 250,
// push-based only": https://developers.cloudflare.com/queues/platform/limits; autoscaling on
// backlog: https://developers.cloudflare.com/queues/learning/consumer-concurrency). Whatever
// coordinates those invocations (the send governor) is only tested when they really overlap, so
// this broker runs C of them at once through the Worker's real queue handler. It builds its batches
// itself (no `cloudflare:test` import), so the pacing benchmark runs it inside the bundled Worker.

export const SENDS_QUEUE = "wa-campaigns-sends";
// wrangler.toml, [[queues.consumers]] of the sends queue.
export const MAX_BATCH_SIZE = 100;
export const MAX_RETRIES = 10;
// How often one idle invocation looks for delayed messages that became visible and asks the
// `until` question again (the others sleep until woken; see `wakeFor`).
const POLL_MS = 50;

export type QueueHandler = (batch: MessageBatch, env: Env, ctx: ExecutionContext) => Promise<void>;

export interface BrokerOptions {
  /** How many invocations run at once. */
  concurrency: number;
  queue?: string;
  maxBatchSize?: number;
  /** A message is dead-lettered after `maxRetries + 1` deliveries that did not ack it. */
  maxRetries?: number;
  /** Wall time after which no batch is handed out; the invocations under way are awaited. */
  durationMs?: number;
  /** The consumer; the Worker's own `queue` export by default. */
  handler?: QueueHandler;
  /**
   * Asked when the queue is empty and nothing runs: the broker stops only once it answers true
   * (messages may still arrive from outside, e.g. a governor's releases). Stops at once by default.
   */
  until?: () => Promise<boolean>;
}

export interface DeadLetter {
  id: string;
  body: unknown;
  deliveries: number;
}

export interface BrokerReport {
  startedAt: number;
  /** When the last invocation returned. */
  endedAt: number;
  /** Every message was acked or dead-lettered before the time ran out. */
  drained: boolean;
  invocations: number;
  /** Invocations whose handler threw (their unacked messages are retried, as on Cloudflare). */
  failedInvocations: number;
  deliveries: number;
  acked: number;
  /** Messages handed back by `retry()`, including the ones that were then dead-lettered. */
  pushBacks: number;
  deadLettered: DeadLetter[];
  /** Messages still waiting when the broker stopped. */
  left: number;
  /** The most invocations that were running at the same moment. */
  peakConcurrency: number;
}

interface Pending {
  id: string;
  body: unknown;
  enqueuedAt: number;
  deliveries: number;
  visibleAt: number;
  seq: number;
}

const earlier = (a: Pending, b: Pending) => a.visibleAt - b.visibleAt || a.seq - b.seq;

/** Messages ordered by the time they become visible, then by the order they were (re)queued. */
class Backlog {
  private heap: Pending[] = [];

  get size() {
    return this.heap.length;
  }

  peek(): Pending | undefined {
    return this.heap[0];
  }

  push(item: Pending) {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (earlier(heap[parent] as Pending, item) <= 0) break;
      heap[i] = heap[parent] as Pending;
      i = parent;
    }
    heap[i] = item;
  }

  pop(): Pending | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && earlier(heap[right] as Pending, heap[left] as Pending) < 0 ? right : left;
      if (earlier(heap[child] as Pending, last) >= 0) break;
      heap[i] = heap[child] as Pending;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

/**
 * One delivery of a batch as the runtime hands it to a consumer, recording what the handler asks
 * for each message. `delayOf` says what becomes of a message afterwards, as Cloudflare decides it:
 * a message's own retry() first, then its ack() or ackAll(), then retryAll(); a message the
 * handler left alone is acked if the handler returned and retried if it threw. null: acked.
 */
function deliveryOf(queue: string, items: Pending[], backlogCount: number) {
  const retried = new Map<string, number>();
  const acked = new Set<string>();
  let ackAll = false;
  let retryAll: number | null = null;
  const messages = items.map(
    (item): Message => ({
      id: item.id,
      timestamp: new Date(item.enqueuedAt),
      body: item.body,
      attempts: item.deliveries + 1,
      ack: () => void acked.add(item.id),
      retry: (options?: QueueRetryOptions) => void retried.set(item.id, options?.delaySeconds ?? 0),
    }),
  );
  const batch: MessageBatch = {
    queue,
    messages,
    // The consumer reads no metrics; the count is the broker's, bytes are not tracked.
    metadata: { metrics: { backlogCount, backlogBytes: 0 } },
    ackAll: () => {
      ackAll = true;
    },
    retryAll: (options?: QueueRetryOptions) => {
      retryAll = options?.delaySeconds ?? 0;
    },
  };
  const delayOf = (id: string, threw: boolean): number | null => {
    const own = retried.get(id);
    if (own !== undefined) return own;
    if (acked.has(id) || ackAll) return null;
    if (retryAll !== null) return retryAll;
    return threw ? 0 : null;
  };
  return { batch, delayOf };
}

/**
 * A queue and its consumer at C concurrent invocations. Each invocation takes up to
 * `maxBatchSize` visible messages (a partial batch goes at once, as the sends and jobs queues'
 * `max_batch_timeout = 0` in wrangler.toml has it), runs the handler, and then: an acked message is gone; a retried one
 * comes back after its `delaySeconds` (0 when none is given, wrangler.toml sets no retry_delay)
 * with one more delivery counted, unless that was its last delivery, when it is dead-lettered;
 * a message neither acked nor retried is acked if the handler returned and retried if it threw.
 */
export function createQueueBroker(options: BrokerOptions) {
  const queue = options.queue ?? SENDS_QUEUE;
  const maxBatchSize = options.maxBatchSize ?? MAX_BATCH_SIZE;
  const maxDeliveries = (options.maxRetries ?? MAX_RETRIES) + 1;
  const handler = options.handler ?? (worker.queue as QueueHandler);
  const backlog = new Backlog();
  let seq = 0;
  let ids = 0;
  let inFlight = 0;
  const report: Omit<BrokerReport, "startedAt" | "endedAt" | "drained" | "left"> = {
    invocations: 0,
    failedInvocations: 0,
    deliveries: 0,
    acked: 0,
    pushBacks: 0,
    deadLettered: [],
    peakConcurrency: 0,
  };

  // Idle invocations sleep until woken: as many as the messages just sent need (one per batch),
  // or one by the shared timer, which then looks for work (delayed messages, the `until`
  // question) and wakes another when it finds more than one batch. Waking all 250 on every send
  // made the broker itself one of the heaviest loads on the isolate the consumers run on.
  const sleepers: (() => void)[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  const wake = (count: number) => {
    for (const resolve of sleepers.splice(0, count)) resolve();
  };
  const wakeAll = () => wake(sleepers.length);
  const arm = (ms: number) => {
    if (timer !== null || sleepers.length === 0) return;
    timer = setTimeout(() => {
      timer = null;
      wake(1);
    }, ms);
  };
  /** Resolves when this invocation is woken for work, or by the shared timer. */
  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      sleepers.push(resolve);
      arm(ms);
    });
  const enqueue = (item: Omit<Pending, "seq">) => {
    backlog.push({ ...item, seq: ++seq });
  };
  /** Wakes one idle invocation for each batch that `count` messages visible now make. */
  const wakeFor = (count: number) => {
    if (count > 0) wake(Math.ceil(count / maxBatchSize));
  };

  function take(now: number): Pending[] {
    const batch: Pending[] = [];
    while (batch.length < maxBatchSize && (backlog.peek()?.visibleAt ?? Number.POSITIVE_INFINITY) <= now) {
      batch.push(backlog.pop() as Pending);
    }
    return batch;
  }

  async function invoke(items: Pending[]) {
    const delivery = deliveryOf(queue, items, backlog.size);
    const waits: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => waits.push(p), passThroughOnException: () => {}, props: {} };
    let threw = false;
    try {
      await handler(delivery.batch, env, ctx as unknown as ExecutionContext);
    } catch {
      threw = true;
      report.failedInvocations++;
    }
    // As the runtime does, the invocation lasts until its waitUntil work is done (which may add more).
    for (let done = 0; done < waits.length; done = waits.length) await Promise.allSettled(waits.slice(done));
    const now = Date.now();
    let visibleAgain = 0;
    for (const item of items) {
      const delaySeconds = delivery.delayOf(item.id, threw);
      if (delaySeconds === null) {
        report.acked++;
        continue;
      }
      report.pushBacks++;
      const deliveries = item.deliveries + 1;
      if (deliveries >= maxDeliveries) report.deadLettered.push({ id: item.id, body: item.body, deliveries });
      else {
        enqueue({ ...item, deliveries, visibleAt: now + delaySeconds * 1000 });
        if (delaySeconds === 0) visibleAgain++;
      }
    }
    wakeFor(visibleAgain);
  }

  return {
    /** Puts messages on the queue, visible now or after `delaySeconds`. */
    send(bodies: readonly unknown[], delaySeconds = 0) {
      const now = Date.now();
      for (const body of bodies) {
        enqueue({ id: `m${++ids}`, body, enqueuedAt: now, deliveries: 0, visibleAt: now + delaySeconds * 1000 });
      }
      if (delaySeconds === 0) wakeFor(bodies.length);
      else arm(delaySeconds * 1000);
    },

    /** Runs the invocations until every message is acked or dead-lettered, or the time runs out. */
    async run(): Promise<BrokerReport> {
      const startedAt = Date.now();
      // One question at a time, answered for every idle invocation asking meanwhile.
      let asking: Promise<boolean> | null = null;
      const finished = async () => {
        if (!options.until) return true;
        asking ??= options.until().finally(() => {
          asking = null;
        });
        return asking;
      };
      const deadline = startedAt + (options.durationMs ?? Number.POSITIVE_INFINITY);
      // Once one invocation finds the run over (time, or nothing left), every idle one stops too.
      let done = false;
      const stop = () => {
        done = true;
        wakeAll();
      };
      const loop = async () => {
        while (!done) {
          const now = Date.now();
          if (now >= deadline) return stop();
          const items = take(now);
          if (items.length === 0) {
            if (backlog.size === 0 && inFlight === 0 && (await finished())) return stop();
            const nextVisible = backlog.peek()?.visibleAt ?? now + POLL_MS;
            await idle(Math.max(1, Math.min(POLL_MS, nextVisible - now, deadline - now)));
            continue;
          }
          // More than this batch is waiting: another invocation takes the next one now.
          if ((backlog.peek()?.visibleAt ?? Number.POSITIVE_INFINITY) <= now) wake(1);
          // The idle ones keep their timer while this one works.
          arm(POLL_MS);
          inFlight++;
          report.invocations++;
          report.deliveries += items.length;
          report.peakConcurrency = Math.max(report.peakConcurrency, inFlight);
          try {
            await invoke(items);
          } finally {
            inFlight--;
          }
        }
      };
      await Promise.all(Array.from({ length: options.concurrency }, loop));
      return { ...report, startedAt, endedAt: Date.now(), drained: backlog.size === 0, left: backlog.size };
    },
  };
}

export type QueueBroker = ReturnType<typeof createQueueBroker>;
