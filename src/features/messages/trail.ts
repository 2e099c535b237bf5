import { type SQL, sql } from "drizzle-orm";
import type { MessageStatus } from "../../platform/db/schema";

// A message's history is a letter per step in its row's `trail`, in the order the steps happened;
// each letter's time is the column that step sets. A step whose detail the columns cannot hold (a
// retry, an unknown outcome, a journey message's origin) is an `e`: its full record is the next of
// the message's message_events rows. `L` (or no trail at all) stands for a message's history written
// before the trail existed: its message_events rows up to the migration's boundary
// (ledger_outbox.legacy_through); steps after it are appended as usual.
// One byte per step where a history row cost ~100 bytes and two index entries.

export const STEP = {
  queued: "q",
  sending: "c",
  sent: "s",
  delivered: "d",
  read: "r",
  failed: "f",
  skipped: "k",
} as const satisfies Record<MessageStatus, string>;

/** The step for one of the message's message_events rows, in order. */
export const EVENT_STEP = "e";
/** All the history of a message recorded before trails: its message_events rows up to the boundary. */
export const LEGACY_STEP = "L";

/** `trail` with `steps` appended, as a SET value. */
export const appendTrail = (steps: SQL | string): SQL => sql`coalesce(trail, 'L') || ${steps}`;

/**
 * `trail` with its last step dropped if it is a claim: a claim given back without a provider call
 * (no send slot) leaves no trace, as if never made.
 */
export const dropClaim: SQL = sql`CASE WHEN trail LIKE '%c' THEN substr(trail, 1, length(trail) - 1) ELSE trail END`;

export interface HistoryEntry {
  status: string;
  at: number;
  errorCode: number | null;
  detail: string | null;
}

export interface TrailRow {
  trail: string | null;
  createdAt: number;
  updatedAt: number;
  claimedAt: number | null;
  sentAt: number | null;
  deliveredAt: number | null;
  readAt: number | null;
  failedAt: number | null;
  errorCode: number | null;
  errorTitle: string | null;
  skipReason: string | null;
  /** Meta's `message_status` on accepting it, kept where no history row notes it (a run's own object). */
  acceptedAs?: string | null;
}

/** The history a message's trail and its message_events rows (in id order) spell out. */
export function historyOf(
  row: TrailRow,
  rows: (HistoryEntry & { id: number })[],
  legacyThrough: number,
): HistoryEntry[] {
  const events = rows.map(({ status, at, errorCode, detail }) => ({ status, at, errorCode, detail }));
  const legacy = events.filter((_, i) => (rows[i]?.id ?? 0) <= legacyThrough);
  const later = events.filter((_, i) => (rows[i]?.id ?? 0) > legacyThrough);
  const entry = (status: string, at: number | null, errorCode: number | null = null, detail: string | null = null) => ({
    status,
    at: at ?? row.updatedAt,
    errorCode,
    detail,
  });
  const out: HistoryEntry[] = [];
  let next = 0;
  // A message without a trail was recorded before trails, or straight into D1: all history rows.
  for (const step of row.trail ?? LEGACY_STEP) {
    if (step === LEGACY_STEP) out.push(...legacy);
    else if (step === EVENT_STEP) {
      const event = later[next++];
      if (event) out.push(event);
    } else if (step === STEP.queued) out.push(entry("queued", row.createdAt));
    else if (step === STEP.sending) out.push(entry("sending", row.claimedAt));
    else if (step === STEP.sent) out.push(entry("sent", row.sentAt));
    else if (step === STEP.delivered) out.push(entry("delivered", row.deliveredAt));
    else if (step === STEP.read) out.push(entry("read", row.readAt));
    else if (step === STEP.failed) out.push(entry("failed", row.failedAt, row.errorCode, row.errorTitle));
    else if (step === STEP.skipped) out.push(entry("skipped", row.updatedAt, null, row.skipReason));
  }
  // Rows no `e` took: a second wamid's mark, written after the steps it follows.
  out.push(...later.slice(next));
  return out;
}

/**
 * The history of a message kept without its history rows (an archived one): its trail read without
 * the steps those rows held (a retry's, an unknown outcome's). A message archived before trails, or recorded before them, is rebuilt from its state
 * times: no claim (`sending`), and a skipped message that was queued first (a cancelled run's)
 * shows both steps, its skip time its last change. `withClaim`: the record's claim time is its
 * claim's own (a run ledger's message, src/features/run-ledger), shown as its `sending` step.
 */
export function derivedHistory(m: TrailRow & { status: string }, withClaim = false): HistoryEntry[] {
  if (m.trail && !m.trail.includes(LEGACY_STEP)) return historyOf(m, [], 0);
  const entry = (status: string, at: number, errorCode: number | null = null, detail: string | null = null) => ({
    status,
    at,
    errorCode,
    detail,
  });
  if (m.status === "skipped") {
    const skipped = entry("skipped", m.updatedAt, null, m.skipReason);
    return m.skipReason === "cancelled" ? [entry("queued", m.createdAt), skipped] : [skipped];
  }
  const steps: HistoryEntry[] = [entry("queued", m.createdAt)];
  if (withClaim && m.claimedAt !== null) steps.push(entry("sending", m.claimedAt));
  if (m.sentAt !== null) steps.push(entry("sent", m.sentAt));
  if (m.sentAt !== null && m.acceptedAs) steps.push(entry("sent", m.sentAt, null, `WhatsApp answered ${m.acceptedAs}`));
  if (m.deliveredAt !== null) steps.push(entry("delivered", m.deliveredAt));
  if (m.readAt !== null) steps.push(entry("read", m.readAt));
  if (m.failedAt !== null) steps.push(entry("failed", m.failedAt, m.errorCode, m.errorTitle));
  // Stable: equal times keep the lifecycle's order.
  return steps.sort((a, b) => a.at - b.at);
}
