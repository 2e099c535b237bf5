import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { refOfRun } from "../../platform/db/schema";
import { ledgerMessageId } from "../../platform/ids";
import { repliedAmong } from "../replies/replied";
import { runLedger } from "../run-ledger";
import { objectRunRef } from "../run-ledger/run-ref";
import { readArchive } from "./reader";
import { archivedRun } from "./store";

// An audience from a run's outcome: the run's messages are walked once, live from D1 or from the
// archive, a batch at a time, and each batch's matching numbers are added in one statement.

export const OUTCOMES = ["failed", "delivered_not_read", "read", "read_not_replied", "replied", "pressed"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Messages per batch: one D1 statement (a JSON list) each for responses and for members. */
export const RETARGET_BATCH = 500;

export interface Outcomeable {
  id: string;
  number: string;
  status: string;
  deliveredAt: number | null;
  readAt: number | null;
  errorCode: number | null;
  errorTitle: string | null;
  /** Meta's pricing of it (src/whatsapp/pricing.ts); absent from archives written before. */
  billing: string | null;
}

interface LiveRow {
  id: string;
  number: string;
  status: string;
  delivered_at: number | null;
  read_at: number | null;
  error_code: number | null;
  error_title: string | null;
  billing: string | null;
}

const fromLive = (r: LiveRow): Outcomeable => ({
  id: r.id,
  number: r.number,
  status: r.status,
  deliveredAt: r.delivered_at,
  readAt: r.read_at,
  errorCode: r.error_code,
  errorTitle: r.error_title,
  billing: r.billing,
});

const LIVE_COLUMNS = sql.raw(
  "m.id, m.number, m.status, m.delivered_at, m.read_at, m.error_code, m.error_title, m.billing",
);

/** Rows still in D1 among `ids`: they win over their archived copies. */
async function liveAmong(db: Db, projectId: string, ids: string[]) {
  const rows = await db.all<LiveRow>(sql`
    SELECT ${LIVE_COLUMNS} FROM messages m
    WHERE m.id IN (SELECT value FROM json_each(${JSON.stringify(ids)})) AND m.project_id = ${projectId}`);
  return new Map(rows.map((r) => [r.id, fromLive(r)]));
}

/**
 * An archive object's messages a batch at a time, each as D1 has it when it is still there (a row
 * changed after its snapshot stays in D1, and D1's copy wins); with `liveToo: false`, those still in
 * D1 are left out instead, for a caller that counts D1's rows on its own.
 */
export async function* archivedMessages(
  db: Db,
  bucket: R2Bucket,
  projectId: string,
  r2Key: string,
  liveToo = true,
): AsyncGenerator<Outcomeable[]> {
  let batch: Outcomeable[] = [];
  const flush = async () => {
    const live = await liveAmong(
      db,
      projectId,
      batch.map((m) => m.id),
    );
    const out = liveToo ? batch.map((m) => live.get(m.id) ?? m) : batch.filter((m) => !live.has(m.id));
    batch = [];
    return out;
  };
  for await (const m of readArchive(bucket, r2Key)) {
    batch.push(m);
    if (batch.length >= RETARGET_BATCH) yield await flush();
  }
  if (batch.length > 0) yield await flush();
}

/** The run's messages in id order, a batch at a time, wherever they are. */
export async function* runMessages(
  db: Db,
  env: Pick<Env, "FILES" | "RUN_LEDGER">,
  projectId: string,
  run: { id: string; campaignId: string },
) {
  const bucket = env.FILES;
  const manifest = await archivedRun(db, projectId, run.id);
  if (manifest) {
    yield* archivedMessages(db, bucket, projectId, manifest.r2Key);
    return;
  }
  // A run kept in its own object (src/features/run-ledger) is walked there, in slot order, until
  // its archive is written.
  const inObject = await objectRunRef(db, projectId, run.id);
  if (inObject !== null) {
    yield* ledgerMessages(env, inObject);
    return;
  }
  let after = "";
  for (;;) {
    const rows = await db.all<LiveRow>(sql`
      SELECT ${LIVE_COLUMNS} FROM messages m
      WHERE m.run_id = ${refOfRun(run.id)} AND m.project_id = ${projectId} AND m.id > ${after}
      ORDER BY m.id LIMIT ${RETARGET_BATCH}`);
    if (rows.length > 0) yield rows.map(fromLive);
    if (rows.length < RETARGET_BATCH) return;
    after = rows.at(-1)?.id ?? after;
  }
}

/**
 * A run ledger's messages, a batch at a time, as the outcomes read them (the caller found the run
 * among the project's: `objectRunRef`).
 */
async function* ledgerMessages(env: Pick<Env, "RUN_LEDGER">, runRef: string) {
  const ledger = runLedger(env, runRef);
  for (let after = 0; ; ) {
    const page = await ledger.page(after, RETARGET_BATCH);
    if (page.length > 0) {
      yield page.map(
        (r): Outcomeable => ({
          id: ledgerMessageId(runRef, r.slot),
          number: r.number,
          status: r.state,
          deliveredAt: r.delivered_at,
          readAt: r.read_at,
          errorCode: r.error_code,
          errorTitle: r.error_title,
          billing: r.billing,
        }),
      );
    }
    if (page.length < RETARGET_BATCH) return;
    after = page.at(-1)?.slot ?? after;
  }
}

/** Numbers among `numbers` that pressed `button` (any, when not given) on the run's messages. */
async function pressers(db: Db, projectId: string, runId: string, numbers: string[], button?: string) {
  const which = button === undefined ? sql`1` : sql`(r.payload = ${button} OR r.text = ${button})`;
  const rows = await db.all<{ number: string }>(sql`
    SELECT DISTINCT r.number FROM responses r
    WHERE r.project_id = ${projectId} AND r.number IN (SELECT value FROM json_each(${JSON.stringify(numbers)}))
      AND r.run_id = ${runId} AND r.kind IN ('button', 'interactive') AND ${which}`);
  return new Set(rows.map((r) => r.number));
}

async function matching(
  db: Db,
  projectId: string,
  runId: string,
  batch: Outcomeable[],
  outcome: Outcome,
  button?: string,
  errorCode?: number,
) {
  const read = batch.filter((m) => m.readAt !== null);
  switch (outcome) {
    case "failed":
      return batch.filter((m) => m.status === "failed" && (errorCode === undefined || m.errorCode === errorCode));
    case "delivered_not_read":
      return batch.filter((m) => m.deliveredAt !== null && m.readAt === null && m.status !== "failed");
    case "read":
      return read;
    // As the run's analytics count replies (src/features/replies/replied.ts): the same people.
    case "read_not_replied": {
      const replied = await repliedAmong(db, projectId, runId, read);
      return read.filter((m) => !replied.has(m.id));
    }
    case "replied": {
      const replied = await repliedAmong(db, projectId, runId, batch);
      return batch.filter((m) => replied.has(m.id));
    }
    case "pressed": {
      const answered = await pressers(
        db,
        projectId,
        runId,
        batch.map((m) => m.number),
        button,
      );
      return batch.filter((m) => answered.has(m.number));
    }
  }
}

/**
 * Adds the run's recipients with `outcome` to the list audience with primary key `audiencePk`, as
 * the contacts they are (a contact deleted since is not brought back). Returns how many recipients
 * matched and how many memberships were new.
 */
export async function addOutcomeMembers(
  db: Db,
  env: Pick<Env, "FILES" | "RUN_LEDGER">,
  projectId: string,
  run: { id: string; campaignId: string },
  audiencePk: number,
  outcome: Outcome,
  button?: string,
  errorCode?: number,
) {
  let matched = 0;
  let added = 0;
  const now = Date.now();
  for await (const batch of runMessages(db, env, projectId, run)) {
    const numbers = [
      ...new Set((await matching(db, projectId, run.id, batch, outcome, button, errorCode)).map((m) => m.number)),
    ];
    if (numbers.length === 0) continue;
    matched += numbers.length;
    const inserted = await db.all<{ contact_id: number }>(sql`
      INSERT INTO audience_members (audience_pk, contact_id, added_at)
      SELECT ${audiencePk}, c.id, ${now} FROM json_each(${JSON.stringify(numbers)}) j
      CROSS JOIN contacts c ON c.project_id = ${projectId} AND c.number = j.value WHERE true
      ON CONFLICT DO NOTHING RETURNING contact_id`);
    added += inserted.length;
  }
  return { matched, added };
}
