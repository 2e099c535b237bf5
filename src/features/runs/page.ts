import type { TemplateMessage } from "../../whatsapp/provider";
import type { AudienceTarget } from "../audiences/members";
import type { FanoutCursor } from "./store";

// What one page of a run's fan-out yields, whether read from its audiences or, for a retry run,
// from the failures of the run it retries.

/** The cursor as stored: targets are resolved once, when the first page runs (segments too). */
export interface StoredCursor extends FanoutCursor {
  targets?: AudienceTarget[];
}

/** A recipient of this page: a message to queue, or the reason it is skipped. */
export interface Recipient {
  id: string;
  number: string;
  payload: TemplateMessage | null;
  skipReason: string | null;
}

export interface FanoutPage {
  recipients: Recipient[];
  /** Where the next page starts; null when this page was the last. */
  next: StoredCursor | null;
}
