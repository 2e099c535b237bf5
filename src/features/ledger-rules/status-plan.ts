import type { MessageStatus, StatusChange } from "../../platform/db/schema";
import { classOfStatusError } from "../../whatsapp/errors";
import { billingValue } from "../../whatsapp/pricing";
import { canMove } from "./transitions";

// How a batch of Meta's statuses moves one message, decided in memory from the message as read:
// the same rules for the D1 ledger (src/features/messages/apply-statuses.ts) and a run's own ledger
// (src/features/run-ledger), which differ only in how they read and write the row.

/** The columns a message's statuses decide, as they will be written. */
export interface Columns {
  status: MessageStatus;
  errorClass: "retryable" | "permanent" | "account" | "unknown" | "template" | null;
  errorCode: number | null;
  errorTitle: string | null;
  errorMessage: string | null;
  sentAt: number | null;
  deliveredAt: number | null;
  readAt: number | null;
  failedAt: number | null;
  billing: string | null;
}

/** A message as its statuses need it: its columns, its id, number and the wamid it keeps. */
export type PlanRow = Columns & { id: string; number: string; wamid: string | null };

/** What one message's statuses in this batch come to: its final columns, and each step on the way. */
export interface Plan<R extends PlanRow = PlanRow> {
  row: R;
  columns: Columns;
  wamid: string | null;
  steps: { to: MessageStatus; from: MessageStatus; change: StatusChange }[];
}

/** Moves `columns` by one status, as a lone status would; the first pricing Meta gives is kept. */
function step(columns: Columns, change: StatusChange, number: string): void {
  if (change.pricing && columns.billing === null) columns.billing = billingValue(change.pricing, number);
  const from = columns.status;
  if (columns.errorClass === "unknown" && change.status !== "failed") {
    // Meta's word settles an unknown outcome: the message was sent after all.
    Object.assign(columns, { errorClass: null, errorCode: null, errorTitle: null, errorMessage: null, failedAt: null });
  }
  columns.status = change.status;
  if (change.status === "sent") columns.sentAt = change.at;
  if (change.status === "delivered" || change.status === "read") {
    columns.deliveredAt ??= change.at;
    columns.sentAt ??= change.at;
  }
  if (change.status === "read") columns.readAt = change.at;
  if (change.status === "failed") {
    const code = change.error?.code ?? null;
    columns.failedAt = change.at;
    columns.errorCode = code;
    columns.errorTitle = change.error?.title ?? null;
    columns.errorMessage = change.error?.message ?? null;
    // A failure without Meta's code is ours (dead-lettered, swept). One that came while the
    // message was still queued never reached Meta, so a run's retry may send it; from `sending`
    // the outcome is unknown: never re-sent on a guess, and Meta's later word still applies.
    columns.errorClass =
      code === null && from === "queued"
        ? "retryable"
        : code === null && from === "sending"
          ? "unknown"
          : classOfStatusError(code);
  }
}

const LIFECYCLE = ["sent", "delivered", "read", "failed"];
const rank = (change: StatusChange) => LIFECYCLE.indexOf(change.status);

/**
 * Decides each message's statuses in time order (at equal times, in the order of the lifecycle),
 * from the row as read; the wamids that differ from the one the message keeps are collected in
 * `duplicates` ("<id> <wamid>" → [id, wamid]).
 */
export function plan<R extends PlanRow>(
  row: R,
  updates: { change: StatusChange }[],
  duplicates: Map<string, [string, string]>,
): Plan<R> {
  const columns: Columns = {
    status: row.status,
    errorClass: row.errorClass,
    errorCode: row.errorCode,
    errorTitle: row.errorTitle,
    errorMessage: row.errorMessage,
    sentAt: row.sentAt,
    deliveredAt: row.deliveredAt,
    readAt: row.readAt,
    failedAt: row.failedAt,
    billing: row.billing,
  };
  const steps: Plan["steps"] = [];
  let wamid = row.wamid;
  const ordered = [...updates].sort((a, b) => a.change.at - b.change.at || rank(a.change) - rank(b.change));
  for (const { change } of ordered) {
    if (change.wamid && wamid && change.wamid !== wamid) {
      duplicates.set(`${row.id} ${change.wamid}`, [row.id, change.wamid]);
    }
    if (!canMove(columns.status, change.status, columns.errorClass)) continue;
    wamid ??= change.wamid ?? null;
    steps.push({ from: columns.status, to: change.status, change });
    step(columns, change, row.number);
  }
  return { row, columns, wamid, steps };
}
