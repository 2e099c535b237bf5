import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { archives, publicTemplateIdSql, wamidRoutes } from "../../platform/db/schema";
import { ledgerMessageId } from "../../platform/ids";
import { runLedger } from "../run-ledger";
import { asMessage } from "../run-ledger/read";
import { MAX_PAGE } from "../run-ledger/reads";
import { OutboxBehindError } from "./prune";
import { readArchive } from "./reader";
import type { ManifestRow } from "./store";
import { type WriteOptions, writeRecords } from "./write-unit";

// Archiving a run whose messages are in its own object (src/features/run-ledger). The object is
// read a page at a time in key order (its message ids' order) into the same NDJSON as a D1 run's,
// and emptied once the archive is written: its storage is given back whole. Reads of such a run
// find the archive by its manifest as for any run (./read-through.ts).

/** Routes deleted per D1 statement: the wamids travel as ONE JSON parameter. */
const ROUTES_PER_DELETE = 500;

/**
 * Writes the object's messages to the unit's R2 object, then records it in the manifest
 * (`writing` → `written`, compare-and-set on this write's snapshot, as `writeUnit` does).
 */
export async function writeLedgerUnit(
  env: Pick<Env, "FILES" | "RUN_LEDGER">,
  db: Db,
  manifest: ManifestRow,
  runRef: string,
  options: WriteOptions = {},
) {
  const snapshotAt = Date.now();
  await db
    .update(archives)
    .set({ snapshotAt, updatedAt: snapshotAt })
    .where(and(eq(archives.id, manifest.id), eq(archives.state, "writing")));
  // A run's messages name their campaign's template; an API day's (runs.api_day) each its own,
  // by its ref, and are of no run.
  const unit = await db.get<{ id: string | null; api_day: number | null }>(
    sql`SELECT ${sql.raw(publicTemplateIdSql("c.template_id"))} AS id,
               (SELECT r.api_day FROM runs r WHERE r.id = ${manifest.runId}) AS api_day
        FROM campaigns c WHERE c.id = ${manifest.campaignId}`,
  );
  const meta = {
    projectId: manifest.projectId,
    campaignId: manifest.campaignId,
    runId: manifest.runId ?? "",
    apiDay: unit?.api_day ?? null,
  };
  const ledger = runLedger(env, runRef);
  const templates = new Map<string, string>();
  async function* pages() {
    for (let after = 0; ; ) {
      const rows = await ledger.page(after, MAX_PAGE);
      const refs = [
        ...new Set(rows.flatMap((r) => (r.template !== null && !templates.has(r.template) ? [r.template] : []))),
      ];
      if (refs.length > 0) {
        const named = await db.all<{ ref: string; id: string }>(
          sql`SELECT j.value AS ref, ${sql.raw(publicTemplateIdSql("j.value"))} AS id FROM json_each(${JSON.stringify(refs)}) j`,
        );
        for (const t of named) templates.set(t.ref, t.id);
      }
      if (rows.length > 0) {
        yield rows.map((row) =>
          asMessage(
            ledgerMessageId(runRef, row.slot),
            meta,
            row,
            row.template === null ? (unit?.id ?? null) : (templates.get(row.template) ?? row.template),
          ),
        );
      }
      if (rows.length < MAX_PAGE) return;
      after = rows.at(-1)?.slot ?? after;
    }
  }
  return writeRecords(env, db, manifest, { snapshotAt, eventsThrough: null }, pages(), options);
}

/**
 * Empties the run's object and deletes its messages' wamid routes from D1, then marks the manifest
 * `pruned`. The object is emptied only once its log is handed over (else this throws, to be tried
 * again) and if no message changed since the snapshot; one that did (a late status) sends the
 * unit back to `writing`, to be written again with it. Every step can be run again: an emptied
 * object empties to nothing, and the routes go on from the last message the manifest says they
 * are deleted through (`routes_through`), at least one statement of `batch` per call, so a run
 * too big for one slice's time finishes over several. Null when time ran out or the unit went
 * back to be written.
 */
export async function pruneLedgerUnit(
  env: Pick<Env, "FILES" | "RUN_LEDGER">,
  db: Db,
  manifest: ManifestRow,
  runRef: string,
  deadline: number,
  batch = ROUTES_PER_DELETE,
) {
  const emptied = await runLedger(env, runRef).empty(manifest.snapshotAt ?? 0);
  if (emptied.pending > 0) {
    throw new OutboxBehindError(`run ${manifest.runId}'s object has not handed ${emptied.pending} moves over yet`);
  }
  if (emptied.changed > 0) {
    await db
      .update(archives)
      .set({ state: "writing", routesThrough: null, updatedAt: Date.now() })
      .where(and(eq(archives.id, manifest.id), eq(archives.state, "written")));
    return null;
  }
  // The routes let a reply name the message it quotes; the archive holds each message's wamid.
  const through = manifest.routesThrough ?? "";
  let wamids: string[] = [];
  let last = through;
  const deleteRoutes = async () => {
    if (wamids.length === 0) return;
    await db.batch([
      db.delete(wamidRoutes).where(
        sql`${wamidRoutes.key} IN (SELECT substr(value, -16) FROM json_each(${JSON.stringify(wamids)}))
            AND ${wamidRoutes.messageId} >= ${manifest.firstMessageId ?? ""} AND ${wamidRoutes.messageId} <= ${manifest.lastMessageId ?? ""}`,
      ),
      db.update(archives).set({ routesThrough: last, updatedAt: Date.now() }).where(eq(archives.id, manifest.id)),
    ]);
    wamids = [];
  };
  for await (const message of readArchive(env.FILES, manifest.r2Key)) {
    if (message.id <= through) continue;
    last = message.id;
    if (message.wamid) wamids.push(message.wamid);
    if (wamids.length >= batch) {
      await deleteRoutes();
      if (Date.now() >= deadline) return null;
    }
  }
  await deleteRoutes();
  const now = Date.now();
  return (
    (await db
      .update(archives)
      .set({ state: "pruned", keptLive: 0, prunedAt: now, updatedAt: now })
      .where(and(eq(archives.id, manifest.id), eq(archives.state, "written")))
      .returning()
      .get()) ?? null
  );
}
