import { DELIVERED, type ObjectCost, READ, RunLedger } from "./ledger";

// The shard benchmark's Worker (bench/shard.mjs): one broadcast run's messages taken through their
// lifecycle in the per-run shard design — the run's Durable Object (./ledger.ts) holds its
// messages; D1 keeps the contacts the fan-out reads and one route per sent message (a reply that
// quotes only a wamid finds its run and contact through it). The same steps and batch sizes as the
// product's pipeline: fan-out pages of 500, sends batches of 100 (claim, then Meta's answers),
// status batches of 100, a press by 1 in 10 with its contact's last-message time. Every D1
// statement's `meta` and every object statement's cursor are counted.

// wrangler.toml's own objects, which `wrangler deploy --dry-run` wants exported from any entry it
// bundles; this Worker binds none of them.
export { CampaignStats, IdempotencyKeys, Outbox, SendGovernor } from "../../src/index";
export { RunLedger };

interface Env {
  DB: D1Database;
  LEDGER: DurableObjectNamespace<RunLedger>;
}

const FANOUT_PAGE = 500;
const SEND_BATCH = 100;
const STATUS_BATCH = 100;
// Consumer invocations sending at once (Cloudflare runs up to 250 of one queue's).
const SENDERS = 25;

const D1_SCHEMA = [
  "CREATE TABLE IF NOT EXISTS contacts (id INTEGER PRIMARY KEY, number TEXT NOT NULL, last_message_at INTEGER)",
  // A sent message's wamid, by its last 16 characters (its random end), to its run and contact.
  "CREATE TABLE IF NOT EXISTS wamid_routes (key TEXT PRIMARY KEY, run INTEGER NOT NULL, contact INTEGER NOT NULL) WITHOUT ROWID",
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

async function seed(db: D1Database, messages: number) {
  for (const statement of D1_SCHEMA) await db.prepare(statement).run();
  await db.prepare("DELETE FROM contacts").run();
  await db.prepare("DELETE FROM wamid_routes").run();
  for (let from = 0; from < messages; from += 1000) {
    const rows = Array.from({ length: Math.min(1000, messages - from) }, (_, i) => [
      from + i + 1,
      `+91972${String(from + i).padStart(7, "0")}`,
    ]);
    await db
      .prepare("INSERT INTO contacts (id, number) SELECT value ->> 0, value ->> 1 FROM json_each(?)")
      .bind(JSON.stringify(rows))
      .run();
  }
}

/** One run of `messages` recipients through fan-out, sending, sent, delivered, read and presses. */
async function lifecycle(env: Env, messages: number, runName: string) {
  const meter: Meter = { d1: zero(), object: zero(), rpcs: 0 };
  const ledger = env.LEDGER.get(env.LEDGER.idFromName(runName));
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

  // Fan-out: a keyset page of the audience's contacts from D1, recorded in the run's object.
  let cursor = 0;
  for (;;) {
    const page = await d1(
      meter,
      env.DB,
      "SELECT id, number FROM contacts WHERE id > ? ORDER BY id LIMIT ?",
      cursor,
      FANOUT_PAGE,
    );
    const rows = page.results as { id: number; number: string }[];
    if (rows.length === 0) break;
    cursor = rows[rows.length - 1]?.id ?? cursor;
    await call(ledger.record(rows.map((r) => [r.id, r.number, null])));
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
      sent.push(...batch.map((m) => m.contact));
      const outcomes = batch.map((m) => [m.contact, wamid()] as [number, string]);
      await call(ledger.sent(outcomes, at()));
      await d1(
        meter,
        env.DB,
        "INSERT INTO wamid_routes (key, run, contact) SELECT substr(value ->> 1, -16), ?, value ->> 0 FROM json_each(?) WHERE true ON CONFLICT DO NOTHING",
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
  // replayed fan-out page and a claim after the last record and hand out nothing, the counters
  // add up to the rows.
  const distinct = new Set(sent).size;
  const first = await d1(null, env.DB, "SELECT id, number FROM contacts ORDER BY id LIMIT ?", FANOUT_PAGE);
  const replayed = (
    await ledger.record((first.results as { id: number; number: string }[]).map((r) => [r.id, r.number, null]))
  ).result;
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
    if (!Number.isInteger(messages) || messages <= 0) return new Response("messages?", { status: 400 });
    await seed(env.DB, messages);
    return Response.json(await lifecycle(env, messages, url.searchParams.get("run") ?? "run-1"));
  },
};
