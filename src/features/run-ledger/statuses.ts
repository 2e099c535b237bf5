import type { MessageStatus, StatusChange } from "../../platform/db/schema";
import { type PlanRow, plan } from "../ledger-rules/status-plan";
import type { LedgerMove, LedgerRow } from "./schema";
import type { Changes, LedgerStore } from "./store";

/** One of Meta's statuses for a message of the run, found by its slot. */
export interface SlotStatus {
  slot: number;
  change: StatusChange;
}

/** One move a batch of statuses made. */
export interface StatusMove {
  slot: number;
  from: MessageStatus;
  to: MessageStatus;
  error?: StatusChange["error"];
}

const planRow = (row: LedgerRow): PlanRow => ({
  id: String(row.slot),
  number: row.number,
  wamid: row.wamid,
  status: row.state,
  errorClass: row.error_class,
  errorCode: row.error_code,
  errorTitle: row.error_title,
  errorMessage: row.error_message,
  sentAt: row.sent_at,
  deliveredAt: row.delivered_at,
  readAt: row.read_at,
  failedAt: row.failed_at,
  billing: row.billing,
});

/**
 * Applies Meta's statuses by the rules of the D1 ledger (src/features/ledger-rules/status-plan.ts): a
 * message only moves forward, at equal times in lifecycle order, and an unknown outcome is settled
 * by Meta's word. The object runs one call at a time, so what it reads is what it writes over: no
 * compare-and-set is needed. Returns the moves made, in order per message, and the slots that
 * reported a second wamid (sent twice), kept out of the row.
 */
export function statuses(store: LedgerStore, updates: SlotStatus[], at: number) {
  const rows = store.rows(updates.map((u) => u.slot));
  const grouped = new Map<number, SlotStatus[]>();
  for (const update of updates) {
    if (!rows.has(update.slot)) continue;
    grouped.set(update.slot, [...(grouped.get(update.slot) ?? []), update]);
  }
  const duplicates = new Map<string, [string, string]>();
  const changes: [number, Changes][] = [];
  const moves: LedgerMove[] = [];
  const made: StatusMove[] = [];
  for (const [slot, group] of grouped) {
    const row = rows.get(slot) as LedgerRow;
    const decided = plan(planRow(row), group, duplicates);
    if (decided.steps.length === 0) continue;
    const c = decided.columns;
    changes.push([
      slot,
      {
        // A message still unsettled keeps NULL only when the steps left it sending: never here,
        // since every status is a settling one.
        status: c.status as Changes["status"],
        error_class: c.errorClass,
        error_code: c.errorCode,
        error_title: c.errorTitle,
        error_message: c.errorMessage,
        sent_at: c.sentAt,
        delivered_at: c.deliveredAt,
        read_at: c.readAt,
        failed_at: c.failedAt,
        billing: c.billing,
        updated_at: at,
        ...(row.wamid === null && decided.wamid !== null ? { wamid: decided.wamid } : {}),
      },
    ]);
    for (const s of decided.steps) {
      const error = s.change.error;
      moves.push(
        s.to === "failed"
          ? [slot, s.from, "failed", error?.code ?? null, error?.title ?? "error", error?.message ?? ""]
          : [slot, s.from, s.to],
      );
      made.push({ slot, from: s.from, to: s.to, ...(s.change.error ? { error: s.change.error } : {}) });
    }
  }
  store.write(changes);
  // A status for a message given back unsent (a failure Meta reports for it) settles it: it must
  // not be handed out again.
  const settled = changes.flatMap(([slot]) => (rows.get(slot)?.state === "queued" ? [slot] : []));
  if (settled.length > 0) {
    store.exec("DELETE FROM returned WHERE slot IN (SELECT value FROM json_each(?))", JSON.stringify(settled));
    store.wait(-settled.length);
  }
  store.moved(moves, at);
  return { moves: made, duplicates: [...duplicates.values()].map(([slot, wamid]) => ({ slot: Number(slot), wamid })) };
}
