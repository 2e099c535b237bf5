// What a message costs in D1 once it has reached its final state: a broadcast run to MESSAGES
// contacts goes through the real Worker (fan-out, sends consumer, the sandbox provider playing
// Meta's sent, delivered and read webhooks through the events consumer), and the database's size
// is read before the run and after every message is read. Contacts are written before the first
// reading, so the figure is the message alone: its row, its history rows and their index entries.
import { api, seedAudience } from "../audience.mjs";
import { until } from "../poll.mjs";
import { createProject, startWorker } from "../worker.mjs";

const MESSAGES = Number(process.env.BENCH_STORAGE_MESSAGES ?? 3_000);
// D1's largest database (Workers Paid); the ceiling printed is for one such database.
const D1_MAX_BYTES = 10 * 1000 ** 3;

/** The database's size in bytes, as D1 reports it with every statement (`meta.size_after`). */
async function databaseBytes(db) {
  const { meta } = await db.prepare("SELECT 1").run();
  if (typeof meta.size_after !== "number") throw new Error("D1 did not report size_after");
  return meta.size_after;
}

// Numbers ending in 0000, 1111, 2222 or 3333 play failures in the sandbox: these end in 5.
const number = (i) => `+9197${String(1_000_000 + i * 10 + 5).padStart(8, "0")}`;

/** An audience of MESSAGES contacts, written straight into D1: seeding is not measured. */
async function seedStorageAudience(db, url, key, projectId) {
  await api(url, key, "POST", "/v1/create/audience", { id: "storage", name: "Storage audience" });
  await seedAudience(db, { projectId, audienceId: "storage", count: MESSAGES, numberOf: number });
}

/**
 * The bytes of the run's message rows and of their history rows alone: each copied into a table
 * of its own (no index), the growth measured, the copy dropped. What the run added beyond them is
 * the indexes (and the pages' slack, which a copy written in order does not have).
 */
async function tableBytes(db, table, where, runId) {
  const before = await databaseBytes(db);
  await db.prepare(`CREATE TABLE bench_storage_copy AS SELECT * FROM ${table} WHERE ${where}`).bind(runId).run();
  const after = await databaseBytes(db);
  await db.prepare("DROP TABLE bench_storage_copy").run();
  return after - before;
}

export async function measureStorage() {
  const { mf, url } = await startWorker();
  try {
    const db = await mf.getD1Database("DB");
    const { projectId, key } = await createProject(url, "storage");
    // D1's own ledger: a run kept in its own object (the default) is measured by `npm run bench -- storage`.
    await db.prepare("UPDATE projects SET run_messages = 'd1' WHERE id = ?").bind(projectId).run();
    await seedStorageAudience(db, url, key, projectId);
    const { campaign } = await api(url, key, "POST", "/v1/create/campaign", {
      title: "Storage",
      message: "Hi, the spring sale starts tomorrow at 10:00: 20% off everything in store and online.",
      options: { runImmediately: false },
    });
    const before = await databaseBytes(db);
    const startedAt = Date.now();
    const { run } = await api(url, key, "POST", "/v1/run/campaign", {
      campaignId: campaign.campaignId,
      audiences: ["storage"],
    });
    const count = (sql) =>
      db
        .prepare(sql)
        .bind(run.runId)
        .first()
        .then((r) => r.n);
    const allRead = await until(
      async () =>
        (await count(
          "SELECT count(*) AS n FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) AND status = 'read'",
        )) === MESSAGES,
      { everyMs: 500, timeoutMs: 20 * 60_000 },
    );
    if (!allRead) throw new Error(`not every message of the storage run was read after ${Date.now() - startedAt} ms`);
    await until(async () => (await api(url, key, "GET", `/v1/runs/${run.runId}`)).run.status === "completed", {
      everyMs: 500,
      timeoutMs: 60_000,
    });
    const after = await databaseBytes(db);
    const history = await count(
      "SELECT count(*) AS n FROM message_events WHERE message_id IN (SELECT id FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?))",
    );
    const rowBytes = await tableBytes(
      db,
      "messages",
      "run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?)",
      run.runId,
    );
    const historyBytes = await tableBytes(
      db,
      "message_events",
      "message_id IN (SELECT id FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?))",
      run.runId,
    );
    const perMessage = (after - before) / MESSAGES;
    const figures = {
      messages: MESSAGES,
      historyRowsPerMessage: Number((history / MESSAGES).toFixed(2)),
      bytesPerMessage: Math.round(perMessage),
      rowBytesPerMessage: Math.round(rowBytes / MESSAGES),
      historyBytesPerMessage: Math.round(historyBytes / MESSAGES),
      indexBytesPerMessage: Math.round((after - before - rowBytes - historyBytes) / MESSAGES),
      messagesPer10GB: Math.floor(D1_MAX_BYTES / perMessage),
    };
    return {
      title: `D1 storage per message: a run of ${MESSAGES} messages, each read (sent, delivered, read, with history)`,
      rows: [
        { part: "message row", "bytes per message": figures.rowBytesPerMessage },
        {
          part: `history rows (${figures.historyRowsPerMessage} per message)`,
          "bytes per message": figures.historyBytesPerMessage,
        },
        { part: "indexes and page slack", "bytes per message": figures.indexBytesPerMessage },
        { part: "total (size_after, after − before)", "bytes per message": figures.bytesPerMessage },
        { part: "messages per 10 GB database", "bytes per message": figures.messagesPer10GB },
      ],
      figures,
    };
  } finally {
    await mf.dispose();
  }
}
