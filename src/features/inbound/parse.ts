import type { Config } from "../../platform/config";
import { toE164 } from "../../platform/phone";
import type {
  InboundMessage,
  UserPreference,
  WebhookChangeValue,
  WebhookContact,
} from "../../whatsapp/webhook/payload";
import { parseButtonPayload } from "../broadcast-messages/payload";

// What one webhook change asks of us, worked out without touching the database, in payload order:
// who wrote (a contact found or created by number or business-scoped user id, with the time of
// its last message), opt-out changes (keywords in text messages, marketing preferences),
// responses to store, and numbers people moved to.

export type InboundConfig = Pick<Config, "OPT_OUT_KEYWORDS" | "OPT_IN_KEYWORDS">;

export const RESPONSE_KINDS = [
  "button",
  "text",
  "interactive",
  "reaction",
  "media",
  "location",
  "contacts",
  "order",
] as const;
export type ResponseKind = (typeof RESPONSE_KINDS)[number];

/**
 * A person as a webhook names them: by number (E.164), by business-scoped user id (BSUID), or
 * both. `key` is their contact's `number` column: the number, or the BSUID while no number is known.
 */
export interface Person {
  number: string | null;
  userId: string | null;
  key: string;
}

/** The person wrote to us (or Meta told us who they are): the contact exists, both ids linked. */
export interface Seen {
  type: "seen";
  who: Person;
  /** When they wrote (opens WhatsApp's 24-hour window); null when this is no message of theirs. */
  at: number | null;
}

export interface OptChange {
  type: "opt";
  /** The contact's key (see Person). */
  number: string;
  who: Person;
  optedOut: boolean;
  /** When the person asked (Meta's timestamp): a replayed older request never undoes a newer one. */
  at: number;
}

export interface InboundResponse {
  type: "response";
  /** The contact's key (see Person). */
  number: string;
  /** The inbound message's own wamid. */
  wamid: string;
  kind: ResponseKind;
  payload: string | null;
  text: string | null;
  /** The wamid of the message this one answers (`context.id`, a reaction's `message_id`), if any. */
  contextId: string | null;
  /** A campaign the message names by itself (a broadcast button's payload), when it quotes none of ours. */
  campaignId: string | null;
  receivedAt: number;
}

/** `system` / `user_changed_number`: the person now writes from `to`; their contact moves there. */
export interface NumberChange {
  type: "moved";
  from: string;
  to: string;
  userId: string | null;
  at: number;
}

/** `system` / `user_changed_user_id`: Meta gave the person a new BSUID. */
export interface UserIdChange {
  type: "user-id-changed";
  from: string;
  to: string;
}

export type InboundAction = Seen | OptChange | InboundResponse | NumberChange | UserIdChange;

/** Meta's `from` / `wa_id` is the number's digits without "+". */
export function waIdToE164(waId: string): string | null {
  const digits = waId.trim();
  return toE164(digits.startsWith("+") ? digits : `+${digits}`);
}

/** Meta's timestamps are Unix seconds, as a string or a number. */
function toMs(timestamp: string | number | undefined, fallback: number): number {
  const seconds = Number(timestamp);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : fallback;
}

/** Opt-out wins when a word is in both lists: a person who may have asked to stop is not messaged. */
export function keywordOptChange(config: InboundConfig, body: string): boolean | null {
  const word = body.trim().toUpperCase();
  if (word === "") return null;
  if (config.OPT_OUT_KEYWORDS.includes(word)) return true;
  if (config.OPT_IN_KEYWORDS.includes(word)) return false;
  return null;
}

const nonEmpty = (value: string | undefined | null) => (value && value.trim() !== "" ? value.trim() : null);

/**
 * Who a message or preference comes from: its own number and BSUID, completed from the change's
 * `contacts` (which pair a `wa_id` with a `user_id`). Null when neither can be read.
 */
export function personOf(
  waId: string | undefined,
  userId: string | undefined,
  contacts: readonly WebhookContact[] = [],
): Person | null {
  let user = nonEmpty(userId);
  let rawNumber = nonEmpty(waId);
  const match = contacts.find(
    (c) => (user !== null && c.user_id === user) || (rawNumber !== null && c.wa_id === rawNumber),
  );
  user ??= nonEmpty(match?.user_id);
  rawNumber ??= nonEmpty(match?.wa_id);
  const number = rawNumber === null ? null : waIdToE164(rawNumber);
  const key = number ?? user;
  return key === null ? null : { number, userId: user, key };
}

/** A `user_changed_user_id` system message, which may name the person by nothing else. */
export function userIdChangeOf(message: InboundMessage): UserIdChange | null {
  const system = message.system;
  if (message.type !== "system" || system?.type !== "user_changed_user_id") return null;
  const from = nonEmpty(system.previous_user_id);
  const to = nonEmpty(system.user_id);
  return from && to ? { type: "user-id-changed", from, to } : null;
}

const str = (value: unknown) => (typeof value === "string" ? value : typeof value === "number" ? String(value) : null);

function messageActions(config: InboundConfig, message: InboundMessage, who: Person, now: number) {
  const receivedAt = toMs(message.timestamp, now);
  if (message.type === "system") {
    const system = message.system;
    const to = str(system?.wa_id) ?? str(system?.new_wa_id);
    const newNumber = to === null ? null : waIdToE164(to);
    if (newNumber && who.number && newNumber !== who.number) {
      return [
        { type: "moved", from: who.number, to: newNumber, userId: nonEmpty(system?.user_id), at: receivedAt },
      ] satisfies NumberChange[];
    }
    return [];
  }
  const actions: InboundAction[] = [{ type: "seen", who, at: receivedAt }];
  const contextId = nonEmpty(message.context?.id);
  const response = (
    kind: ResponseKind,
    payload: string | null,
    text: string | null,
    options: { contextId?: string | null } = {},
  ): InboundResponse => ({
    type: "response",
    number: who.key,
    wamid: message.id,
    kind,
    payload,
    text,
    contextId: options.contextId === undefined ? contextId : options.contextId,
    campaignId: parseButtonPayload(payload)?.campaignId ?? null,
    receivedAt,
  });
  const media = message.image ?? message.video ?? message.audio ?? message.document ?? message.sticker;
  switch (message.type) {
    case "text": {
      const body = message.text?.body ?? "";
      const optedOut = keywordOptChange(config, body);
      if (optedOut !== null) actions.push({ type: "opt", number: who.key, who, optedOut, at: receivedAt });
      actions.push(response("text", null, body));
      break;
    }
    case "button":
      actions.push(response("button", message.button?.payload ?? null, message.button?.text ?? null));
      break;
    case "interactive": {
      const reply = message.interactive?.button_reply ?? message.interactive?.list_reply;
      const flow = message.interactive?.nfm_reply;
      if (reply) {
        actions.push(response("interactive", reply.id ?? null, reply.title ?? null));
      } else if (flow) {
        // A completed Flow: its answers (`response_json`, a JSON string) are the payload.
        actions.push(response("interactive", flow.response_json ?? null, flow.body ?? flow.name ?? null));
      }
      break;
    }
    case "reaction":
      // A reaction quotes nothing; it names the message it reacts to. An emptied emoji removes it.
      actions.push(
        response("reaction", null, message.reaction?.emoji ?? null, {
          contextId: nonEmpty(message.reaction?.message_id),
        }),
      );
      break;
    case "image":
    case "video":
    case "audio":
    case "document":
    case "sticker":
      actions.push(response("media", media?.id ?? null, media?.caption ?? message.document?.filename ?? null));
      break;
    case "location": {
      const at = message.location;
      const where = [str(at?.latitude), str(at?.longitude)].every((v) => v !== null)
        ? `${str(at?.latitude)},${str(at?.longitude)}`
        : null;
      actions.push(response("location", where, [at?.name, at?.address].filter(Boolean).join(", ") || null));
      break;
    }
    case "contacts":
      actions.push(
        response(
          "contacts",
          null,
          (message.contacts ?? [])
            .map((c) => c.name?.formatted_name ?? "")
            .filter(Boolean)
            .join(", ") || null,
        ),
      );
      break;
    case "order":
      actions.push(response("order", message.order?.catalog_id ?? null, message.order?.text ?? null));
      break;
    // `unsupported`, and types Meta adds later: the person wrote, nothing more to record.
  }
  return actions;
}

function preferenceAction(preference: UserPreference, who: Person, now: number): InboundAction[] {
  if (preference.category !== "marketing_messages") return [];
  if (preference.value !== "stop" && preference.value !== "resume") return [];
  const at = toMs(preference.timestamp, now);
  return [
    { type: "seen", who, at: null },
    { type: "opt", number: who.key, who, optedOut: preference.value === "stop", at },
  ];
}

export interface ParsedChange {
  actions: InboundAction[];
  /** Entries skipped because they name nobody: no readable number and no BSUID. */
  unreadable: number;
}

/** The actions of one webhook change (`messages` and `user_preferences`), in payload order. */
export function inboundActions(config: InboundConfig, value: WebhookChangeValue, now: number): ParsedChange {
  const actions: InboundAction[] = [];
  let unreadable = 0;
  const contacts = value.contacts ?? [];
  for (const message of value.messages ?? []) {
    const userIdChange = userIdChangeOf(message);
    if (userIdChange) {
      actions.push(userIdChange);
      continue;
    }
    const who = personOf(message.from, message.from_user_id, message.type === "system" ? [] : contacts);
    if (!who) {
      unreadable += 1;
      continue;
    }
    actions.push(...messageActions(config, message, who, now));
  }
  for (const preference of value.user_preferences ?? []) {
    if (preference.category !== "marketing_messages") continue;
    if (preference.value !== "stop" && preference.value !== "resume") continue;
    const who = personOf(preference.wa_id, preference.user_id, contacts);
    if (!who) {
      unreadable += 1;
      continue;
    }
    actions.push(...preferenceAction(preference, who, now));
  }
  return { actions, unreadable };
}
