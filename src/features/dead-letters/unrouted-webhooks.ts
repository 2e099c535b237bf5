import { eq } from "drizzle-orm";
import { sha256Hex } from "../../platform/crypto";
import type { Db } from "../../platform/db/client";
import { whatsappAccounts } from "../../platform/db/schema";
import { ApiError } from "../../platform/errors";
import type { EventsBody } from "../../queues/contracts";
import { phoneNumberIdOf, splitForQueue } from "../../whatsapp/webhook/split";
import type { WebhookDeadLetter } from "./store";

// A signed piece of a webhook that could not be tied to a project when it arrived: a change for a
// number no project has connected yet, an entry or change the envelope reader could not read, or
// a body that is not JSON at all. It is kept as a dead letter of the events queue; replaying it
// (after connecting the number, or after a fix to the reader) routes it again, as the accept path
// would, but against the accounts as D1 has them then.

export const UNROUTED_KIND = "whatsapp-webhook-unrouted";

export interface UnroutedBody {
  kind: typeof UNROUTED_KIND;
  source: "meta";
  receivedAt: number;
  /** What could be parsed, in as much of its envelope as was read. */
  payload?: unknown;
  /** A body that is not JSON, as text. */
  raw?: string;
}

/** The dead letter for an unrouted piece; the same piece POSTed twice is recorded once. */
export async function unroutedLetter(
  piece: { payload: unknown } | { raw: string },
  reason: string,
  receivedAt: number,
): Promise<WebhookDeadLetter> {
  const body: UnroutedBody = { kind: UNROUTED_KIND, source: "meta", receivedAt, ...piece };
  const content = "raw" in piece ? piece.raw : JSON.stringify(piece.payload);
  return { key: `post:${await sha256Hex(content ?? "")}`, projectId: null, kind: UNROUTED_KIND, reason, body };
}

/**
 * The events an unrouted dead letter becomes now, one per part and owning project. Throws a 409
 * naming what still cannot be routed, and then enqueues nothing: the letter stays pending.
 */
export async function routeUnrouted(db: Db, body: UnroutedBody): Promise<EventsBody[]> {
  if (body.payload === undefined) {
    throw new ApiError("conflict", "the webhook body was not JSON: there is nothing to replay");
  }
  const { parts, unreadable } = splitForQueue(body.payload);
  const first = unreadable[0];
  if (first) throw new ApiError("conflict", `still unreadable: ${first.reason}`);
  const events: EventsBody[] = [];
  for (const part of parts) {
    const phoneNumberId = phoneNumberIdOf(part);
    const wabaId = part.entry[0]?.id ?? "";
    const owners = await db
      .selectDistinct({ projectId: whatsappAccounts.projectId })
      .from(whatsappAccounts)
      .where(phoneNumberId ? eq(whatsappAccounts.phoneNumberId, phoneNumberId) : eq(whatsappAccounts.wabaId, wabaId))
      .all();
    if (owners.length === 0) {
      throw new ApiError(
        "conflict",
        phoneNumberId
          ? `no project owns phone number ${phoneNumberId} yet`
          : `no project owns WhatsApp Business Account ${wabaId} yet`,
      );
    }
    for (const { projectId } of owners) {
      events.push({ kind: "whatsapp-webhook", source: "meta", projectId, receivedAt: body.receivedAt, payload: part });
    }
  }
  return events;
}
