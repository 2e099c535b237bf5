import { randomBytes, toBase64Url, toHex } from "./crypto";

/**
 * Public ids carry a prefix naming what they identify, so a misplaced id is obvious, and start
 * with the creation time in hex, so ordering by id lists things oldest first.
 */
export const newId = (prefix: "prj" | "key" | "tpl" | "cmp" | "run" | "imp" | "dlq" | "med") =>
  `${prefix}_${timeHex()}${toHex(randomBytes(6))}`;

const timeHex = () => Date.now().toString(16).padStart(12, "0");

/**
 * A message's id: the prefix and the creation time in hex like every id, then its 48 random bits in
 * base64url, 8 characters where hex takes 12. Messages are the rows there are millions of, and the
 * id is stored three times (the row, its key's index, its campaign's or run's index), so the four
 * characters are 12 bytes a message. Ids made before (`msg_` and 24 hex digits) stay valid: both
 * start with the time, so ordering by id is still oldest first.
 */
export const newMessageId = () => `msg_${timeHex()}${toBase64Url(randomBytes(6))}`;

/** The two shapes of a message id: 12 hex digits of time, then 12 hex digits or 8 base64url characters. */
export const MESSAGE_ID = /^msg_([0-9a-f]{12})([0-9a-f]{12}|[A-Za-z0-9_-]{8})$/;

/**
 * The id of a message a run keeps in its own ledger object (src/features/run-ledger): it names the
 * run by its ref and the message by its slot (base 36), so the message is found without a lookup.
 * An `r` where the other shapes have a hex digit keeps the three apart; the slot's eight digits (or
 * more) keep a run's ids in slot order as text.
 */
export const ledgerMessageId = (runRef: string, slot: number) => `msg_r${runRef}.${slot.toString(36).padStart(8, "0")}`;

/** The name of the Durable Object that keeps the messages of the run whose ref is `runRef`. */
export const runLedgerName = (runRef: string) => `run:${runRef}`;

/** A run ledger's message id: its run's ref and its slot. */
export const LEDGER_MESSAGE_ID = /^msg_r([1-9][0-9]{0,15})\.([0-9a-z]{8,11})$/;

/** The run ref and slot a run ledger's message id names; null for any other id. */
export function parseLedgerMessageId(id: string): { runRef: string; slot: number } | null {
  const match = LEDGER_MESSAGE_ID.exec(id);
  if (!match?.[1] || !match[2]) return null;
  const slot = Number.parseInt(match[2], 36);
  // One id per message: the form ledgerMessageId writes, and no other spelling of the slot.
  const canonical = Number.isSafeInteger(slot) && slot > 0 && ledgerMessageId(match[1], slot) === id;
  return canonical ? { runRef: match[1], slot } : null;
}

/** A new API key: 256 random bits. Only its hash is stored. */
export const newApiKey = () => `wak_${toBase64Url(randomBytes(32))}`;

export const API_KEY_PREFIX_LENGTH = 12;
