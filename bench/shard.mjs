// The next ledger design measured, not estimated: a broadcast run's messages (or an API campaign
// day's) kept in the shard's own Durable Object (SQLite), D1 keeping contacts and one wamid route
// per sent message (docs/scaling.md, "Past one database"). bench/shard/worker.ts takes
// BENCH_SHARD_MESSAGES recipients of each shape through the lifecycle the storage benchmark
// measures (recorded, claimed, sent, delivered, read, a press by 1 in 10); the baseline is that
// benchmark on the same number of messages through the real Worker, run in the same invocation.
// Both count rows the way Cloudflare bills them: D1's `meta` and the object's SQL cursor
// (`rowsRead`, `rowsWritten`), bytes from D1's `size_after` and the object's `databaseSize`.
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { conditions } from "./conditions.mjs";
import { ratio } from "./ratio.mjs";
import { runtimeStorage, useRamStorage } from "./runtime-bench.mjs";
import { run as storage } from "./storage.mjs";
import { buildWorker, wranglerCompatibilityDate } from "./worker.mjs";

const MESSAGES = Number(process.env.BENCH_SHARD_MESSAGES ?? 10_000);
const D1_MAX_BYTES = 10 * 1000 ** 3;
const ENTRY = "bench/shard/worker.ts";
const SHAPES = ["api", "broadcast"];

const per = (n, digits = 2) => Number((n / MESSAGES).toFixed(digits));

/** One shape's run, on a Worker of its own: fresh D1 and objects, so freed pages hide no growth. */
async function shardRun(scriptPath, shape) {
  const cleanup = useRamStorage();
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      workers: [
        {
          name: "shard",
          modules: true,
          scriptPath,
          compatibilityDate: wranglerCompatibilityDate(),
          d1Databases: { DB: "shard-db" },
          durableObjects: { LEDGER: { className: "RunLedger", useSQLite: true } },
        },
      ],
    }),
  );
  try {
    const url = await mf.ready;
    const response = await fetch(new URL(`/__shard/run?shape=${shape}&messages=${MESSAGES}`, url));
    if (!response.ok) throw new Error(`the ${shape} shard run answered ${response.status}: ${await response.text()}`);
    return await response.json();
  } finally {
    await mf.dispose();
    cleanup();
  }
}

/** A benchmark, not a test: it refuses only to report a run that broke what the design promises. */
function check(shard) {
  const c = shard.counts;
  const settled = c.queued + c.sending + c.sent + c.delivered === 0 && c.read === MESSAGES;
  const once = shard.claimed === MESSAGES && shard.distinct === MESSAGES && shard.replayed + shard.reclaimed === 0;
  if (!settled || !once) {
    throw new Error(
      `the ${shard.shape} shard run did not take every message to read exactly once: ${JSON.stringify(shard)}`,
    );
  }
}

function figures(shard) {
  const { d1, object, rpcs } = shard.meter;
  return {
    bytesPerMessage: per(shard.objectBytes + shard.d1Bytes, 0),
    objectBytesPerMessage: per(shard.objectBytes, 0),
    d1BytesPerMessage: per(shard.d1Bytes, 0),
    rowsWrittenPerMessage: per(object.rowsWritten + d1.rowsWritten, 1),
    objectRowsWrittenPerMessage: per(object.rowsWritten, 1),
    d1RowsWrittenPerMessage: per(d1.rowsWritten, 1),
    statementsPerMessage: per(d1.statements, 3),
    objectStatementsPerMessage: per(object.statements, 3),
    rpcsPerMessage: per(rpcs, 3),
    rowsReadPerClaim: Number((shard.claimReads / shard.claimed).toFixed(1)),
    objectSendsPerSecond: Math.round(MESSAGES / shard.sendingSeconds),
  };
}

const max = (list, key) => Math.max(...list.map((f) => f[key]));

export async function run() {
  const scriptPath = buildWorker(ENTRY);
  const design = {};
  for (const shape of SHAPES) {
    const shard = await shardRun(scriptPath, shape);
    check(shard);
    design[shape] = figures(shard);
  }
  // The baseline: today's ledger, the storage benchmark on as many messages of each shape.
  process.env.BENCH_STORAGE_MESSAGES ??= String(MESSAGES);
  process.env.BENCH_STORAGE_CLAIM_BACKLOGS ??= "1000";
  const today = (await storage()).result;
  const claimBase = today.claims[0]?.claimStatementsRowsRead;
  const both = SHAPES.map((s) => design[s]);
  const headline = {
    bytesPerMessage: max(both, "bytesPerMessage"),
    d1BytesPerMessage: max(both, "d1BytesPerMessage"),
    rowsWrittenPerMessage: max(both, "rowsWrittenPerMessage"),
    statementsPerMessage: max(both, "statementsPerMessage"),
    rowsReadPerClaim: max(both, "rowsReadPerClaim"),
  };
  const row = (ledger, f, objectPart) => ({
    ledger,
    "bytes/message": objectPart
      ? `${f.bytesPerMessage} (${f.objectBytesPerMessage} + ${f.d1BytesPerMessage})`
      : f.bytesPerMessage,
    "rows written/message": objectPart
      ? `${f.rowsWrittenPerMessage} (${f.objectRowsWrittenPerMessage} + ${f.d1RowsWrittenPerMessage})`
      : f.rowsWrittenPerMessage,
    "D1 statements/message": f.statementsPerMessage,
    "object statements/message": objectPart ? f.objectStatementsPerMessage : "–",
    "rows read/claimed message": objectPart ? f.rowsReadPerClaim : `${claimBase} (the claim's own)`,
    "messages per 10 GB of D1": Math.floor(D1_MAX_BYTES / (objectPart ? f.d1BytesPerMessage : f.bytesPerMessage)),
    "sends/s through one object": objectPart ? f.objectSendsPerSecond : "–",
  });
  return {
    title: "shard: a message's lifecycle in a per-run (or per-day) Durable Object, against today's D1 ledger",
    rows: SHAPES.flatMap((s) => [
      row(`${s}: today, one D1 table`, today[s], false),
      row(`${s}: shard object + D1 routes`, design[s], true),
    ]),
    conditions: conditions({
      messages: `${MESSAGES} per shape`,
      broadcast: "one run: fan-out pages of 500 from D1's contacts, a message keyed by its contact, no body values",
      api: "one API campaign's day: slices of 50 (contacts made sure of in D1), keyed by arrival, two body values",
      lifecycle:
        "sends batches of 100 (claim, Meta's answers, wamid routes in D1) from 25 senders at once, delivered and read in batches of 100, a press by 1 in 10",
      shard: "bench/shard/worker.ts and ledger.ts; each shape on a fresh Worker",
      baseline: "the storage benchmark on as many messages of each shape, through the real Worker, in this run",
      figures: "D1's meta and the object's SQL cursor (rows read and written), size_after and databaseSize (bytes)",
      "sends/s": "messages claimed and answered through one object per second (local: an order of magnitude)",
      "local storage": runtimeStorage,
    }),
    result: {
      messages: MESSAGES,
      ...headline,
      messagesPer10GB: Math.floor(D1_MAX_BYTES / headline.d1BytesPerMessage),
      api: design.api,
      broadcast: design.broadcast,
      today: {
        bytesPerMessage: today.bytesPerMessage,
        rowsWrittenPerMessage: today.rowsWrittenPerMessage,
        statementsPerMessage: today.statementsPerMessage,
        claimStatementsRowsRead: claimBase,
      },
      bytesToToday: ratio(headline.bytesPerMessage, today.bytesPerMessage),
      rowsWrittenToToday: ratio(headline.rowsWrittenPerMessage, today.rowsWrittenPerMessage),
      statementsToToday: ratio(headline.statementsPerMessage, today.statementsPerMessage),
      d1BytesToToday: ratio(headline.d1BytesPerMessage, today.bytesPerMessage),
    },
  };
}
