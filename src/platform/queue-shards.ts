// One Cloudflare queue takes at most 5,000 messages a second. A top-tier number at 1,000 messages a
// second brings about 3,000 status webhooks a second, so two such numbers would overrun one events
// queue. A queue role may therefore have shards: the binding `EVENTS` and, beside it, any of
// `EVENTS_1`, `EVENTS_2`, … that wrangler.toml declares (docs/scaling.md#adding-a-queue-shard).
// A key (a phone number id, a project) always lands on the same shard while the count stays the
// same; nothing depends on the order of messages across shards, because every consumer re-reads
// the rows a body points at and applies changes monotonically.

type Producer<Body> = Pick<Queue<Body>, "sendBatch">;

const cache = new WeakMap<object, Map<string, Producer<unknown>[]>>();

const isProducer = (value: unknown): value is Producer<unknown> =>
  typeof value === "object" && value !== null && typeof (value as Producer<unknown>).sendBatch === "function";

/**
 * The queue bound as `name` followed by its shards `name_1`, `name_2`, … in order. A gap ends the
 * list, so a half-removed shard cannot silently take a share of the keys.
 */
export function queueShards<Body>(env: object, name: string): Producer<Body>[] {
  let byName = cache.get(env);
  if (!byName) {
    byName = new Map();
    cache.set(env, byName);
  }
  let shards = byName.get(name);
  if (!shards) {
    const bindings = env as Record<string, unknown>;
    const first = bindings[name];
    if (!isProducer(first)) throw new Error(`queue binding ${name} is missing`);
    shards = [first];
    for (let i = 1; isProducer(bindings[`${name}_${i}`]); i++)
      shards.push(bindings[`${name}_${i}`] as Producer<unknown>);
    byName.set(name, shards);
  }
  return shards as Producer<Body>[];
}

/** FNV-1a of the key, modulo the count: cheap, stable across isolates and deploys. */
export function shardIndex(key: string, count: number): number {
  if (count <= 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % count;
}
