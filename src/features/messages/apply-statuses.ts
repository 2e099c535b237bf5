import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { jsonList } from "../../platform/db/json-list";
import { messageEvents, messages, type StatusUpdate, type Transition, wamidIn } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import { type Plan, plan } from "../ledger-rules/status-plan";
import { DUPLICATE_SEND } from "../ledger-rules/transitions";
import { logMoves, type Move, newTx } from "./log";
import { appendTrail, STEP } from "./trail";

// Provider statuses applied as a set: a queue batch of webhooks (hundreds of statuses) costs one
// read and one write round trip, whatever its size, instead of two round trips per status. The
// rules are those of one status at a time (src/features/ledger-rules/transitions.ts): a message
// only moves forward, its moves are logged exactly when it moved (./log.ts), and concurrent
// writers are settled by a compare-and-set on the status each decision was made from.

// The type callers pass, kept with the ledger's vocabulary (src/platform/db/schema/messages.ts).
export type { StatusUpdate };

const MAX_CAS_ATTEMPTS = 5;

const current = {
  id: messages.id,
  projectId: messages.projectId,
  status: messages.status,
  // The row's own: NULL on a run's message that leaves it to its run. The counters and callbacks
  // name the campaign from the log (src/features/outbox/name-refs.ts), not from these.
  campaignId: messages.campaignId,
  runId: messages.runId,
  wamid: messages.wamid,
  errorClass: messages.errorClass,
  errorCode: messages.errorCode,
  errorTitle: messages.errorTitle,
  errorMessage: messages.errorMessage,
  sentAt: messages.sentAt,
  deliveredAt: messages.deliveredAt,
  readAt: messages.readAt,
  failedAt: messages.failedAt,
  number: messages.number,
  billing: messages.billing,
};
type Row = Pick<typeof messages.$inferSelect, keyof typeof current>;

/**
 * Each update's message, read in one round trip, by our id (the callback data of our sends) and by
 * wamid, each a statement only when an update needs it; another project's message is not found.
 */
async function readRows(db: Db, updates: StatusUpdate[]) {
  const ids = updates.flatMap((u) => u.messageId ?? []);
  const wamids = updates.flatMap((u) => (u.messageId ? [] : (u.wamid ?? [])));
  // The ids' list is joined to the rows, each sought by its key (`jsonList`).
  const byId = db.select(current).from(jsonList(ids, "j")).crossJoin(messages).where(sql`${messages.id} = j.value`);
  const byWamid = db.select(current).from(messages).where(wamidIn("messages.wamid", wamids));
  const read =
    ids.length === 0 ? [await byWamid] : wamids.length === 0 ? [await byId] : await db.batch([byId, byWamid]);
  const rows = new Map<string, Row>();
  for (const row of read.flat()) {
    rows.set(`id ${row.id}`, row);
    // Keyed by project too: a wamid is Meta's and unique, but the index no longer enforces it.
    if (row.wamid) rows.set(`wamid ${row.projectId} ${row.wamid}`, row);
  }
  const grouped = new Map<string, { row: Row; updates: StatusUpdate[] }>();
  for (const update of updates) {
    const row = rows.get(update.messageId ? `id ${update.messageId}` : `wamid ${update.projectId} ${update.wamid}`);
    if (!row || row.projectId !== update.projectId) continue;
    const group = grouped.get(row.id) ?? { row, updates: [] };
    group.updates.push(update);
    grouped.set(row.id, group);
  }
  return [...grouped.values()];
}

/**
 * Writes the plans in one batch: each message moves to its final columns, its trail gains a letter
 * per step, only if it is still in the status (and error class) its plan started from; the log row
 * then lists the steps of the messages that moved. D1 runs a batch as one transaction, so a message's
 * moves are logged exactly when it moves. Returns the ids that moved.
 */
async function write(db: Db, plans: Plan<Row>[], duplicates: [string, string][], log?: Logger): Promise<Set<string>> {
  const now = Date.now();
  const tx = newTx();
  const moving = plans.filter((p) => p.steps.length > 0);
  // Per message: the status and error class it was decided from, and the columns it ends with.
  const byId = JSON.stringify(
    Object.fromEntries(
      moving.map((p) => [
        p.row.id,
        {
          ...p.columns,
          from: p.row.status,
          fromClass: p.row.errorClass ?? "",
          wamid: p.row.wamid === null ? p.wamid : null,
          steps: p.steps.map((s) => STEP[s.to]).join(""),
        },
      ]),
    ),
  );
  const moves: Move[] = moving.flatMap((p) =>
    p.steps.map((s): Move => [p.row.id, s.from, s.to, s.change.error?.code ?? null]),
  );
  // The plans are joined to their rows (UPDATE … FROM json_each of the object: its keys are the
  // ids), each row sought by its key and its plan read from the row of the join.
  // In parentheses: `->>` binds no tighter than `||`, which the trail's append puts before it.
  const field = (name: string) => sql`(j.value ->> ${`$.${name}`})`;
  // A wamid is written only where the row has none: naming the column otherwise would rewrite its
  // index entry on every status (D1 counts each one as a row written).
  const newWamid = moving.some((p) => p.row.wamid === null && p.wamid !== null);
  // Each statement only when it has something to write: a batch without a second wamid (nearly
  // every one) costs its update and its log row.
  const recordDuplicates = db
    .insert(messageEvents)
    .select(
      sql`SELECT NULL, m.id, 'duplicate', ${now}, NULL, j.value ->> '$[1]' FROM json_each(${JSON.stringify(duplicates)}) j
          JOIN messages m ON m.id = j.value ->> '$[0]'
          WHERE NOT EXISTS (SELECT 1 FROM message_events e WHERE e.message_id = m.id AND e.status = ${DUPLICATE_SEND} AND e.detail = j.value ->> '$[1]')`,
    )
    .returning({ messageId: messageEvents.messageId, wamid: messageEvents.detail });
  const move = db
    .update(messages)
    .set({
      status: sql`${field("status")}`,
      updatedAt: now,
      ...(newWamid ? { wamid: sql`coalesce(${messages.wamid}, ${field("wamid")})` } : {}),
      errorClass: sql`${field("errorClass")}`,
      errorCode: sql`${field("errorCode")}`,
      errorTitle: sql`${field("errorTitle")}`,
      errorMessage: sql`${field("errorMessage")}`,
      sentAt: sql`${field("sentAt")}`,
      deliveredAt: sql`${field("deliveredAt")}`,
      readAt: sql`${field("readAt")}`,
      failedAt: sql`${field("failedAt")}`,
      billing: sql`${field("billing")}`,
      trail: appendTrail(field("steps")),
      tx,
    })
    .from(sql`json_each(${byId}) j`)
    .where(
      sql`${messages.id} = j.key AND +${messages.status} = ${field("from")} AND coalesce(${messages.errorClass}, '') = ${field("fromClass")}`,
    )
    .returning({ id: messages.id });
  const statements = [
    ...(duplicates.length > 0 ? [recordDuplicates] : []),
    ...(moving.length > 0 ? [move, logMoves(db, tx, moves)] : []),
  ];
  const [first, ...rest] = statements;
  if (!first) return new Set();
  type Batch = Parameters<typeof db.batch>[0];
  const results = (await db.batch([first, ...rest] as unknown as Batch)) as unknown as unknown[];
  const recorded = duplicates.length > 0 ? (results[0] as { messageId: string; wamid: string | null }[]) : [];
  const moved = moving.length > 0 ? (results[duplicates.length > 0 ? 1 : 0] as { id: string }[]) : [];
  for (const { messageId, wamid } of recorded) {
    log?.warn("a second wamid for one message: it was sent twice", { messageId, wamid });
  }
  return new Set(moved.map((m) => m.id));
}

/**
 * Applies provider statuses to their messages if they move them forward, set-based. A message whose
 * row changed between the read and the write (another writer) is read and decided again; one that
 * keeps conflicting makes this throw, so the caller's queue messages are retried, never dropped.
 * Returns every transition made, in order per message.
 */
export async function applyStatuses(
  db: Db,
  updates: StatusUpdate[],
  options: { log?: Logger } = {},
): Promise<Transition[]> {
  const transitions: Transition[] = [];
  let pending = updates.filter((u) => u.messageId || u.wamid);
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt === MAX_CAS_ATTEMPTS) {
      throw new Error(`${pending.length} statuses kept conflicting with concurrent updates`);
    }
    const duplicates = new Map<string, [string, string]>();
    const plans = (await readRows(db, pending)).map((g) => ({
      ...plan(g.row, g.updates, duplicates),
      updates: g.updates,
    }));
    if (plans.every((p) => p.steps.length === 0) && duplicates.size === 0) break;
    const moved = await write(db, plans, [...duplicates.values()], options.log);
    const retry: StatusUpdate[] = [];
    for (const p of plans) {
      if (p.steps.length === 0) continue;
      if (!moved.has(p.row.id)) {
        retry.push(...p.updates);
        continue;
      }
      for (const s of p.steps) {
        transitions.push({
          messageId: p.row.id,
          projectId: p.row.projectId,
          campaignId: p.row.campaignId,
          runId: p.row.runId,
          from: s.from,
          to: s.to,
          error: s.change.error,
        });
      }
    }
    pending = retry;
  }
  return transitions;
}
