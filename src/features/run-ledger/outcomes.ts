import type { AcceptedStatus, ProviderError } from "../../whatsapp/provider";
import { giveBack } from "./claims";
import type { LedgerMove } from "./schema";
import type { Changes, LedgerStore } from "./store";

/** Meta's answer to one claimed message. */
export type SlotResult =
  | { slot: number; ok: true; wamid: string; messageStatus?: AcceptedStatus }
  | { slot: number; ok: false; error: ProviderError };

/** What became of it, as the sends consumer's D1 path reports it (src/features/delivery/record-outcomes.ts). */
export type SlotOutcome =
  | { slot: number; kind: "sent"; moved: boolean }
  | { slot: number; kind: "failed"; moved: boolean; error: ProviderError }
  | { slot: number; kind: "retry" | "unknown" | "account" | "template"; error: ProviderError };

const errorColumns = (error: ProviderError): Changes => ({
  error_code: error.code,
  error_title: error.title,
  error_message: error.message,
  error_class: error.class,
});

/**
 * Records Meta's answers to claimed messages, by the rules of the D1 ledger: a message still
 * sending moves to sent with its wamid (one a status webhook already moved keeps its state and
 * gains the wamid); a permanent failure, or a retryable one past `maxAttempts`, fails it; an
 * unknown outcome leaves it sending with the reason, for Meta's word to settle, never sent again;
 * any other failure gives it back, queued, with one more attempt counted.
 */
export function outcomes(store: LedgerStore, results: SlotResult[], maxAttempts: number, at: number): SlotOutcome[] {
  const rows = store.rows(results.map((r) => r.slot));
  const changes: [number, Changes][] = [];
  const moves: LedgerMove[] = [];
  const back: number[] = [];
  const answered: SlotOutcome[] = [];
  for (const result of results) {
    const row = rows.get(result.slot);
    if (!row) continue;
    const sending = row.state === "sending";
    if (result.ok) {
      const wamid = row.wamid === null ? { wamid: result.wamid } : {};
      if (sending) {
        // Accepted but not plainly (held while Meta assesses the template's quality, or paused): kept
        // for the message's history, as the D1 ledger notes it.
        const noted = result.messageStatus ? { accepted_as: result.messageStatus } : {};
        changes.push([row.slot, { ...wamid, ...noted, status: "sent", sent_at: at, updated_at: at }]);
        moves.push([row.slot, "sending", "sent"]);
      } else if (row.wamid === null) changes.push([row.slot, wamid]);
      answered.push({ slot: row.slot, kind: "sent", moved: sending });
      continue;
    }
    const attempts = row.attempts + 1;
    const giveUp = result.error.class === "retryable" && attempts >= maxAttempts;
    const error = giveUp
      ? { ...result.error, message: `${result.error.message} (gave up after ${attempts} attempts)` }
      : result.error;
    if (result.error.class === "permanent" || giveUp) {
      if (sending) {
        changes.push([row.slot, { ...errorColumns(error), status: "failed", failed_at: at, updated_at: at }]);
        moves.push([row.slot, "sending", "failed", error.code, error.title, error.message]);
      }
      answered.push({ slot: row.slot, kind: "failed", moved: sending, error });
      continue;
    }
    if (sending) {
      const counted = result.error.class === "unknown" ? {} : { attempts };
      changes.push([row.slot, { ...errorColumns(error), ...counted, updated_at: at }]);
      if (result.error.class !== "unknown") back.push(row.slot);
    }
    const kind = result.error.class === "account" || result.error.class === "template" ? result.error.class : "retry";
    answered.push({ slot: row.slot, kind: result.error.class === "unknown" ? "unknown" : kind, error });
  }
  store.write(changes);
  giveBack(store, back);
  store.moved(moves, at);
  return answered;
}
