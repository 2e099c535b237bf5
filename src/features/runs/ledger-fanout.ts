import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { runRef, runs } from "../../platform/db/schema";
import { ledgerMessageId } from "../../platform/ids";
import { type AudienceContact, audiencePage, resolveAudiences } from "../audiences/members";
import { sharePayloads } from "../messages/payload";
import { runLedger } from "../run-ledger";
import type { RecordedRecipient } from "../run-ledger/record";
import type { FanoutPage, StoredCursor } from "./page";
import { recipientsThatFit } from "./page-budget";
import { recipientsFor, type Sender } from "./recipients";
import type { RunRow } from "./schemas";
import { advanceCursor, START_CURSOR } from "./store";

// The fan-out of a run whose messages are in its own object (src/features/run-ledger). The object
// hands messages out by a cursor over their keys, the contacts' row numbers, so its pages must
// come in key order: the run's audiences are read side by side and merged by contact, where the
// D1 fan-out reads them one after another. A person in two audiences is one key, recorded once.

/** A page of an object run: each recipient's slot, by message id. */
export interface LedgerPage extends FanoutPage {
  slots: Map<string, number>;
}

/**
 * The next page of an object run's recipients: each target's contacts after the cursor, merged
 * and deduplicated, up to where every target's page reached (a target's next page starts past
 * it, and the contacts beyond are read again by the next page, in order).
 */
export async function mergedFanoutPage(
  env: Env,
  db: Db,
  run: RunRow,
  sender: Sender,
  pageSize: number,
): Promise<LedgerPage> {
  const cursor: StoredCursor = (run.cursor as StoredCursor | null) ?? START_CURSOR;
  const targets =
    cursor.targets ?? (await resolveAudiences(db, run.projectId, (run.audiences as string[]) ?? [])).targets;
  const after = typeof cursor.after === "number" ? cursor.after : 0;
  const pages = await Promise.all(
    targets.map((t) => audiencePage(db, run.projectId, t, after, pageSize, undefined, env)),
  );
  // Where every target's page is complete: the lowest next start (none: every target is done).
  const bounds = pages.flatMap((p) => (p.after === null ? [] : [p.after]));
  const through = bounds.length > 0 ? Math.min(...bounds) : Number.POSITIVE_INFINITY;
  const byId = new Map<number, AudienceContact>();
  for (const page of pages) for (const c of page.contacts) if (c.id <= through) byId.set(c.id, c);
  const contacts = [...byId.values()].sort((a, b) => a.id - b.id);
  const ref = runRef(run);
  const all = await recipientsFor(db, sender, contacts, (c) => ledgerMessageId(ref, c.id));
  // Cut where the payloads would be too large to record in one call (./page-budget.ts).
  const recipients = all.slice(0, recipientsThatFit(all));
  const slots = new Map(recipients.map((r, i) => [r.id, contacts[i]?.id as number]));
  const cutAt = recipients.length < all.length ? contacts[recipients.length - 1]?.id : undefined;
  const next =
    cutAt !== undefined
      ? { audience: 0, after: cutAt, targets }
      : bounds.length > 0
        ? { audience: 0, after: through, targets }
        : null;
  return { recipients, next, slots };
}

/**
 * Records a page in the run's object, then moves the run's cursor in D1 (compare-and-set: only the
 * delivery that read the cursor moves it) with its counters, set to the object's totals so that a
 * page recorded twice, or a crash between the two, never counts anything twice or not at all.
 */
export async function recordLedgerPage(env: Env, db: Db, run: RunRow, page: LedgerPage) {
  const now = Date.now();
  const { stored, bases } = await sharePayloads(db, run.projectId, page.recipients);
  const rows = page.recipients.map((r, i): RecordedRecipient => {
    const s = stored[i] ?? null;
    return {
      slot: page.slots.get(r.id) as number,
      number: r.number,
      // The object keeps the page's bases itself, so a patch always finds its base there.
      payload: s === null ? null : JSON.stringify(s.patch),
      base: s?.base ?? null,
      skipReason: r.skipReason,
    };
  });
  const ref = runRef(run);
  const { recorded } = await runLedger(env, ref).record(
    { projectId: run.projectId, campaignId: run.campaignId, runId: run.id, runRef: ref },
    bases,
    rows,
    now,
  );
  const done = page.next === null;
  const moved = await advanceCursor(db, run, page.next, now, {
    queued: sql`max(${runs.queued}, ${recorded.queued})`,
    skipped: sql`max(${runs.skipped}, ${recorded.skipped})`,
  });
  return { advanced: moved.length === 1, done };
}
