import type { Config } from "../../platform/config";
import { toE164 } from "../../platform/phone";
import type { InboundMessage, WebhookChangeValue } from "../../whatsapp/webhook/payload";

// What one webhook change asks of us, worked out without touching the database: opt-out changes
// (keywords in text messages, marketing preferences) and responses to store, in payload order.

export type InboundConfig = Pick<Config, "OPT_OUT_KEYWORDS" | "OPT_IN_KEYWORDS">;

export type ResponseKind = "button" | "text" | "interactive";

export interface OptChange {
  type: "opt";
  number: string;
  optedOut: boolean;
  /** When the person asked (Meta's timestamp): a replayed older request never undoes a newer one. */
  at: number;
}

export interface InboundResponse {
  type: "response";
  number: string;
  /** The inbound message's own wamid. */
  wamid: string;
  kind: ResponseKind;
  payload: string | null;
  text: string | null;
  /** The wamid of the message this one answers (`context.id`), if any. */
  contextId: string | null;
  /** Text replies are kept only when they answer one of our messages; presses always are. */
  onlyIfLinked: boolean;
  receivedAt: number;
}

export type InboundAction = OptChange | InboundResponse;

/** Meta's `from` / `wa_id` is the number's digits without "+". */
export function waIdToE164(waId: string): string | null {
  const digits = waId.trim();
  return toE164(digits.startsWith("+") ? digits : `+${digits}`);
}

/** Meta's timestamps are Unix seconds, as a string (messages) or a number (user_preferences). */
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

function messageActions(config: InboundConfig, message: InboundMessage, number: string, now: number) {
  const actions: InboundAction[] = [];
  const base = {
    type: "response" as const,
    number,
    wamid: message.id,
    contextId: message.context?.id ?? null,
    receivedAt: toMs(message.timestamp, now),
  };
  if (message.type === "text" && message.text) {
    const optedOut = keywordOptChange(config, message.text.body);
    if (optedOut !== null) actions.push({ type: "opt", number, optedOut, at: base.receivedAt });
    if (base.contextId !== null) {
      actions.push({ ...base, kind: "text", payload: null, text: message.text.body, onlyIfLinked: true });
    }
  } else if (message.type === "button" && message.button) {
    actions.push({
      ...base,
      kind: "button",
      payload: message.button.payload ?? null,
      text: message.button.text ?? null,
      onlyIfLinked: false,
    });
  } else if (message.type === "interactive") {
    const reply = message.interactive?.button_reply ?? message.interactive?.list_reply;
    if (reply) {
      actions.push({
        ...base,
        kind: "interactive",
        payload: reply.id ?? null,
        text: reply.title ?? null,
        onlyIfLinked: false,
      });
    }
  }
  return actions;
}

export interface ParsedChange {
  actions: InboundAction[];
  /** Entries skipped because their number cannot be read as E.164. */
  unreadable: number;
}

/** The actions of one webhook change (`messages` and `user_preferences`), in payload order. */
export function inboundActions(config: InboundConfig, value: WebhookChangeValue, now: number): ParsedChange {
  const actions: InboundAction[] = [];
  let unreadable = 0;
  for (const message of value.messages ?? []) {
    const number = waIdToE164(message.from);
    if (!number) {
      unreadable += 1;
      continue;
    }
    actions.push(...messageActions(config, message, number, now));
  }
  for (const preference of value.user_preferences ?? []) {
    if (preference.category !== "marketing_messages") continue;
    if (preference.value !== "stop" && preference.value !== "resume") continue;
    const number = preference.wa_id ? waIdToE164(preference.wa_id) : null;
    if (!number) {
      unreadable += 1;
      continue;
    }
    actions.push({
      type: "opt",
      number,
      optedOut: preference.value === "stop",
      at: toMs(preference.timestamp, now),
    });
  }
  return { actions, unreadable };
}
