// The next ledger design measured, not estimated: one broadcast run's messages kept in the run's
// own Durable Object (SQLite), D1 keeping contacts and one wamid route per sent message
// (docs/scaling.md, "Past one database"). bench/shard/worker.ts takes BENCH_SHARD_MESSAGES
// recipients through the lifecycle the storage benchmark measures (fan-out, claim, sent,
// delivered, read, a press by 1 in 10); the baseline is that benchmark's broadcast shape, run in
// the same invocation on the same number of messages through the real Worker. Both count rows
// the way Cloudflare bills them: D1's `meta` and the object's SQL cursor (`rowsRead`,
// `rowsWritten`), bytes from D1's `size_after` and the object's `databaseSize`.
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { conditions } from "./conditions.mjs";
import { ratio } from "./ratio.mjs";
import { runtimeStorage, useRamStorage } from "./runtime-bench.mjs";
import { run as storage } from "./storage.mjs";
import { buildWorker, wranglerCompatibilityDate } from "./worker.mjs";

const MESSAGES = Number(process.env.BENCH_SHARD_MESSAGES ?? 10_000);
const D1_MAX_BYTES = 10 * 1000 ** 3;
const ENTRY = "bench/shard/worker.ts";

const per = (n, digits = 2) => Number((n / MESSAGES).toFixed(digits));

async function shardRun() {
  const cleanup = useRamStorage();
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      workers: [
        {
          name: "shard",
          modules: true,
          scriptPath: buildWorker(ENTRY),
          compatibilityDate: wranglerCompatibilityDate(),
          d1Databases: { DB: "shard-db" },
          durableObjects: { LEDGER: { className: "RunLedger", useSQLite: true } },
        },
      ],
    }),
  );
  try {
    const url = await mf.ready;
    const response = await fetch(new URL(`/__shard/run?messages=${MESSAGES}`, url));
    if (!response.ok) throw new Error(`the shard run answered ${response.status}: ${await response.text()}`);
    return await response.json();
  } finally {
    await mf.dispose();
    cleanup();
  }
}

export async function run() {
  const shard = await shardRun();
  const { counts } = shard;
  // A benchmark, not a test: it refuses only to report a run that broke what the design promises.
  const settled = counts.queued + counts.sending + counts.sent + counts.delivered === 0 && counts.read === MESSAGES;
  if (shard.claimed !== MESSAGES || shard.distinct !== MESSAGES || shard.replayed + shard.reclaimed !== 0 || !settled) {
    throw new Error(`the shard run did not take every message to read exactly once: ${JSON.stringify(shard)}`);
  }
  // The baseline: today's ledger, the storage benchmark's broadcast shape on as many messages.
  process.env.BENCH_STORAGE_MESSAGES ??= String(MESSAGES);
  process.env.BENCH_STORAGE_CLAIM_BACKLOGS ??= "1000";
  const today = (await storage()).result;
  const base = today.broadcast;
  const { d1, object, rpcs } = shard.meter;
  const design = {
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
    messagesPer10GB: Math.floor(D1_MAX_BYTES / Math.max(1, per(shard.d1Bytes, 0))),
    messagesPerObject: Math.floor(D1_MAX_BYTES / per(shard.objectBytes, 0)),
    objectSendsPerSecond: Math.round(MESSAGES / shard.sendingSeconds),
  };
  const claimBase = today.claims[0]?.claimStatementsRowsRead;
  return {
    title: "shard: one broadcast message's lifecycle in a per-run Durable Object, against today's D1 ledger",
    rows: [
      {
        ledger: "today: one D1 table (broadcast shape)",
        "bytes/message": base.bytesPerMessage,
        "rows written/message": base.rowsWrittenPerMessage,
        "D1 statements/message": base.statementsPerMessage,
        "object statements/message": 0,
        "rows read/claimed message": claimBase,
        "messages per 10 GB of D1": Math.floor(D1_MAX_BYTES / base.bytesPerMessage),
      },
      {
        ledger: "per-run shard: run's object + D1 routes",
        "bytes/message": `${design.bytesPerMessage} (${design.objectBytesPerMessage} + ${design.d1BytesPerMessage})`,
        "rows written/message": `${design.rowsWrittenPerMessage} (${design.objectRowsWrittenPerMessage} + ${design.d1RowsWrittenPerMessage})`,
        "D1 statements/message": design.statementsPerMessage,
        "object statements/message": design.objectStatementsPerMessage,
        "rows read/claimed message": design.rowsReadPerClaim,
        "messages per 10 GB of D1": design.messagesPer10GB,
        "sends/s through the run's object": design.objectSendsPerSecond,
      },
    ],
    conditions: conditions({
      messages: MESSAGES,
      lifecycle:
        "fan-out pages of 500, sends batches of 100 (claim, Meta's answers), delivered and read in batches of 100, a press by 1 in 10",
      senders:
        "25 sending invocations at once against the run's object (messages/s through it: local, for the order of magnitude)",
      shard: "bench/shard/worker.ts and ledger.ts: the run's object keyed by contact, D1 contacts and wamid routes",
      baseline: "the storage benchmark's broadcast shape on as many messages, through the real Worker, in this run",
      figures: "D1's meta and the object's SQL cursor (rows read and written), size_after and databaseSize (bytes)",
      "local storage": runtimeStorage,
    }),
    result: {
      messages: MESSAGES,
      ...design,
      today: {
        bytesPerMessage: base.bytesPerMessage,
        rowsWrittenPerMessage: base.rowsWrittenPerMessage,
        statementsPerMessage: base.statementsPerMessage,
        claimStatementsRowsRead: claimBase,
      },
      bytesToToday: ratio(design.bytesPerMessage, base.bytesPerMessage),
      rowsWrittenToToday: ratio(design.rowsWrittenPerMessage, base.rowsWrittenPerMessage),
      statementsToToday: ratio(design.statementsPerMessage, base.statementsPerMessage),
      d1BytesToToday: ratio(design.d1BytesPerMessage, base.bytesPerMessage),
    },
  };
}
