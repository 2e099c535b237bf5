import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { askEach, runLedger } from "../run-ledger";
import type { Reached, SegmentFilter } from "./segment";

// A segment's "received" and "read" conditions over runs whose messages are in their own objects
// (src/features/run-ledger). D1 has no rows of such runs to test per contact, so each window of
// contacts a segment page reads is first asked of those runs' objects: which of the window's
// contacts (a run's message is keyed by its contact's row number) each condition's runs reached.
// The answers go into the page's one statement as JSON lists (./segment.ts), so a window costs one
// call per run, and a segment that names no such run costs one D1 read and nothing more. An API
// campaign's days (src/features/api-days) are asked by the window's numbers instead.

/** The runs' objects a segment's conditions need. */
export type Ledgers = Pick<Env, "RUN_LEDGER">;

/** Asks the objects about one window of contact ids, (`after`, `through`]. */
export type Reach = (after: number, through: number) => Promise<Reached>;

const OBJECT_KINDS = new Set(["received", "not_received", "read", "not_read"]);

/**
 * The reach of `filter`'s conditions on runs kept in objects, or undefined when none names such a
 * run (one D1 read for the filter's campaigns).
 */
export async function behaviourReach(
  ledgers: Ledgers,
  db: Db,
  projectId: string,
  filter: SegmentFilter,
): Promise<Reach | undefined> {
  const conditions = (filter.behaviour ?? []).map((b, i) => ({ b, i })).filter(({ b }) => OBJECT_KINDS.has(b.did));
  if (conditions.length === 0) return undefined;
  const campaigns = [...new Set(conditions.map(({ b }) => b.campaignId))];
  const rows = await db.all<{ id: string; ref: string; campaign_id: string; api_day: number | null }>(sql`
    SELECT id, coalesce(ref, id) AS ref, campaign_id, api_day FROM runs
    WHERE project_id = ${projectId} AND campaign_id IN (SELECT value FROM json_each(${JSON.stringify(campaigns)}))
      AND ledger = 'object'`);
  if (rows.length === 0) return undefined;
  // Each condition's runs and days, and what it asks of them: `not_` forms are the same set, negated.
  // A run names no API day, so a condition on a run asks only that run.
  const asks = conditions.map(({ b, i }) => ({
    i,
    what: b.did === "read" || b.did === "not_read" ? ("read" as const) : ("received" as const),
    refs: rows.filter((r) => r.campaign_id === b.campaignId && (b.runId === undefined || r.id === b.runId)),
  }));
  // One call per run (or day) and kind, however many conditions share it.
  const distinct = [
    ...new Map(
      asks.flatMap(({ what, refs }) =>
        refs.map((r) => [`${what}:${r.ref}`, { what, ref: r.ref, day: r.api_day !== null }]),
      ),
    ).values(),
  ];
  return async (after, through) => {
    // An API day's messages are keyed by arrival, not by contact: it is asked which of the window's
    // numbers it reached (a scan of the day, as D1's API messages are read once per page).
    const window = distinct.some((d) => d.day)
      ? await windowNumbers(db, projectId, after, through)
      : new Map<string, number>();
    const numbers = [...window.keys()];
    const answers = await askEach(distinct, async ({ what, ref, day }) =>
      day
        ? (await runLedger(ledgers, ref).reachedNumbers(projectId, numbers, what)).flatMap((n) => {
            const id = window.get(n);
            return id === undefined ? [] : [id];
          })
        : runLedger(ledgers, ref).reached(projectId, after, through, what),
    );
    const byKey = new Map(distinct.map(({ what, ref }, n) => [`${what}:${ref}`, answers[n] ?? []]));
    const reached: Reached = [];
    for (const { i, what, refs } of asks)
      reached[i] = [...new Set(refs.flatMap((r) => byKey.get(`${what}:${r.ref}`) ?? []))];
    return reached;
  };
}

/** The window's contacts (`after`, `through`], by number: what an API day is asked about. */
async function windowNumbers(db: Db, projectId: string, after: number, through: number) {
  const contacts = await db.all<{ id: number; number: string }>(sql`
    SELECT id, number FROM contacts WHERE project_id = ${projectId} AND id > ${after} AND id <= ${through}`);
  return new Map(contacts.map((c) => [c.number, c.id]));
}
