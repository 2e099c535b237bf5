import { DELIVERED, type ObjectCost, READ, RunLedger } from "./ledger";

// The shard benchmark's Worker (bench/shard.mjs): messages taken through their lifecycle in the
// per-run shard design, in both of the storage benchmark's shapes — a broadcast run (its fan-out
// reads the audience's contacts from D1 in pages of 500; a message is keyed by its contact) and an
// API campaign's day (requests recorded in slices of 50, each with its two body values; a message
// is keyed by its arrival). The shard's Durable Object (./ledger.ts) holds the messages; D1 keeps
// the contacts and one route per sent message (a reply that quotes only a wamid finds its shard and
// slot through it). Then the pipeline's batches: sends of 100 (a claim, then Meta's answers) from
// 25 senders at once, statuses of 100, a press by 1 in 10 with its contact's last-message time.
// Every D1 statement's `meta` and every object statement's cursor are counted.

// wrangler.toml's own objects, which `wrangler deploy --dry-run` wants exported from any entry it
// bundles; this Worker binds none of them.
export { CampaignStats, IdempotencyKeys, Outbox, SendGovernor } from "../../src/index";
export { RunLedger };

interface Env {
  DB: D1Database;
  LEDGER: DurableObjectNamespace<RunLedger>;
}

const FANOUT_PAGE = 500;
const API_SLICE = 50;
const SEND_BATCH = 100;
const STATUS_BATCH = 100;
// Consumer invocations sending at once (Cloudflare runs up to 250 of one queue's).
const SENDERS = 25;

const D1_SCHEMA = [
  "CREATE TABLE IF NOT EXISTS contacts (id INTEGER PRIMARY KEY, number TEXT NOT NULL, last_message_at INTEGER)",
  "CREATE UNIQUE INDEX IF NOT EXISTS contacts_number ON contacts (number)",
  // A sent message's wamid, by its last 16 characters (its random end), to its shard (a run's or an
  // API campaign day's ref) and its slot there.
  "CREATE TABLE IF NOT EXISTS wamid_routes (key TEXT PRIMARY KEY, shard INTEGER NOT NULL, slot INTEGER NOT NULL) WITHOUT ROWID",
];

interface Meter {
  d1: ObjectCost;
  object: ObjectCost;
  rpcs: number;
}

const zero = (): ObjectCost => ({ statements: 0, rowsRead: 0, rowsWritten: 0 });

async function d1(meter: Meter | null, db: D1Database, sql: string, ...bindings: unknown[]) {
  const result = await db
    .prepare(sql)
    .bind(...bindings)
    .run<Record<string, unknown>>();
  if (meter) {
    meter.d1.statements++;
    meter.d1.rowsRead += result.meta.rows_read;
    meter.d1.rowsWritten += result.meta.rows_written;
  }
  return result;
}

async function d1Bytes(db: D1Database) {
  return (await d1(null, db, "SELECT 1")).meta.size_after;
}

const wamid = () => {
  const bytes = crypto.getRandomValues(new Uint8Array(33));
  return `wamid.${btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "")}`;
};

/** A fan-out page after contact `after`, as the rows the run's object records. */
async function fanoutPage(meter: Meter | null, db: D1Database, after: number) {
  const page = await d1(
    meter,
    db,
    "SELECT id, number FROM contacts WHERE id > ? ORDER BY id LIMIT ?",
    after,
    FANOUT_PAGE,
  );
  return (page.results as { id: number; number: string }[]).map((r): [number, string, null] => [r.id, r.number, null]);
}

const numberOf = (i: number) => `+91972${String(i).padStart(7, "0")}`;

async function seed(db: D1Database, messages: number) {
  for (const statement of D1_SCHEMA) await db.prepare(statement).run();
  for (let from = 0; from < messages; from += 1000) {
    const rows = Array.from({ length: Math.min(1000, messages - from) }, (_, i) => [from + i + 1, numberOf(from + i)]);
    await db
      .prepare("INSERT INTO contacts (id, number) SELECT value ->> 0, value ->> 1 FROM json_each(?)")
      .bind(JSON.stringify(rows))
      .run();
  }
}

export type Shape = "broadcast" | "api";

/** `messages` recipients of one shard through recording, sending, sent, delivered, read and presses. */
async function lifecycle(env: Env, messages: number, shape: Shape) {
  const meter: Meter = { d1: zero(), object: zero(), rpcs: 0 };
  const ledger = env.LEDGER.get(env.LEDGER.idFromName(`${shape}-${crypto.randomUUID()}`));
  const call = async <T>(work: Promise<{ result: T; cost: ObjectCost }>, also?: (cost: ObjectCost) => void) => {
    const { result, cost } = await work;
    also?.(cost);
    meter.rpcs++;
    meter.object.statements += cost.statements;
    meter.object.rowsRead += cost.rowsRead;
    meter.object.rowsWritten += cost.rowsWritten;
    return result;
  };
  const objectBefore = await ledger.size();
  const d1Before = await d1Bytes(env.DB);
  const start = Date.now();
  const at = () => Date.now() - start;
  // A slot's contact, for the press's last-message time.
  const contactOf = new Map<number, number>();

  let cursor = 0;
  for (;;) {
    if (shape === "broadcast") {
      // Fan-out: a keyset page of the audience's contacts from D1, recorded under their own ids.
      const rows = await fanoutPage(meter, env.DB, cursor);
      if (rows.length === 0) break;
      cursor = rows.at(-1)?.[0] ?? cursor;
      for (const [id] of rows) contactOf.set(id, id);
      await call(ledger.record(rows));
    } else {
      // An API slice: the requests' contacts made sure of in D1 (the seeded ones write nothing),
      // the messages recorded in arrival order with their own body values.
      if (cursor >= messages) break;
      const numbers = Array.from({ length: Math.min(API_SLICE, messages - cursor) }, (_, i) => numberOf(cursor + i));
      await d1(
        meter,
        env.DB,
        "INSERT INTO contacts (number) SELECT value FROM json_each(?) WHERE true ON CONFLICT (number) DO NOTHING",
        JSON.stringify(numbers),
      );
      const slots = await call(ledger.record(numbers.map((n) => [null, n, JSON.stringify(["Asha", "#1"])])));
      slots.forEach((slot, i) => {
        contactOf.set(slot, cursor + i + 1);
      });
      cursor += numbers.length;
    }
  }

  // Sending: SENDERS consumer invocations at once, each claiming a batch, answering it with Meta's
  // wamids and routing them in D1, until nothing is left. The object serializes their claims.
  const sent: number[] = [];
  let claimReads = 0;
  const sendingStarted = Date.now();
  const sender = async () => {
    for (;;) {
      const batch = await call(ledger.claim(SEND_BATCH, at()), (cost) => {
        claimReads += cost.rowsRead;
      });
      if (batch.length === 0) return;
      sent.push(...batch.map((m) => m.slot));
      const outcomes = batch.map((m) => [m.slot, wamid()] as [number, string]);
      await call(ledger.sent(outcomes, at()));
      await d1(
        meter,
        env.DB,
        "INSERT INTO wamid_routes (key, shard, slot) SELECT substr(value ->> 1, -16), ?, value ->> 0 FROM json_each(?) WHERE true ON CONFLICT DO NOTHING",
        1,
        JSON.stringify(outcomes),
      );
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  const sendingSeconds = (Date.now() - sendingStarted) / 1000;
  sent.sort((a, b) => a - b);

  // Meta's statuses, a batch at a time, each carrying its run and contact in the callback data.
  for (const state of [DELIVERED, READ] as const) {
    for (let i = 0; i < sent.length; i += STATUS_BATCH) {
      await call(ledger.status(state, sent.slice(i, i + STATUS_BATCH), at()));
    }
  }

  // A press by 1 in 10: the response in the run's object, the contact's last message in D1.
  const pressed = sent.filter((_, i) => i % 10 === 0);
  for (let i = 0; i < pressed.length; i += STATUS_BATCH) {
    const slice = pressed.slice(i, i + STATUS_BATCH);
    await call(
      ledger.press(
        slice.map((c) => [c, `bcb:cmp_winter:${c % 2}`] as [number, string]),
        at(),
      ),
    );
    await d1(
      meter,
      env.DB,
      "UPDATE contacts SET last_message_at = max(coalesce(last_message_at, 0), ?) WHERE id IN (SELECT value FROM json_each(?))",
      Date.now(),
      JSON.stringify(slice),
    );
  }
  await call(ledger.handedOver());

  const objectBytes = (await ledger.size()) - objectBefore;
  const d1Bytes_ = (await d1Bytes(env.DB)) - d1Before;

  // What the design promises, checked (unmetered): every recipient handed out exactly once, a
  // replayed fan-out page and a claim after the last hand out nothing, the counters add up to the
  // rows.
  const distinct = new Set(sent).size;
  const replayed = shape === "broadcast" ? (await ledger.record(await fanoutPage(null, env.DB, 0))).result.length : 0;
  const reclaimed = (await ledger.claim(SEND_BATCH, at())).result.length;
  return {
    messages,
    claimed: sent.length,
    distinct,
    replayed,
    reclaimed,
    claimReads,
    sendingSeconds,
    meter,
    objectBytes,
    d1Bytes: d1Bytes_,
    counts: await ledger.counts(),
  };
}

export default {
  async fetch(request: Request, env: Env) {
    const url = new URL(request.url);
    if (url.pathname !== "/__shard/run") return new Response("not found", { status: 404 });
    const messages = Number(url.searchParams.get("messages"));
    const shape = url.searchParams.get("shape");
    if (!Number.isInteger(messages) || messages <= 0) return new Response("messages?", { status: 400 });
    if (shape !== "broadcast" && shape !== "api") return new Response("shape?", { status: 400 });
    await seed(env.DB, messages);
    return Response.json({ shape, ...(await lifecycle(env, messages, shape)) });
  },
};
