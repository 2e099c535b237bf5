import type { Db } from "../../platform/db/client";
import type { StatusChange, Transition } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import type { EventsBody } from "../../queues/contracts";
import { decodeCallback } from "../../whatsapp/message-ref";
import { pricingOf } from "../../whatsapp/pricing";
import {
  InboundMessageSchema,
  StatusSchema,
  UserPreferenceSchema,
  type WebhookChange,
  WebhookContactSchema,
  type WebhookStatus,
} from "../../whatsapp/webhook/payload";
import { readList, type SetAside } from "../../whatsapp/webhook/read";
import { splitForQueue } from "../../whatsapp/webhook/split";
import { recordWebhookDeadLetters, type WebhookDeadLetter } from "../dead-letters/store";
import { handleInbound, type InboundGatherer, inboundConfig } from "../inbound/handle";
import { linkRecipients } from "../inbound/identity";
import { personOf, userIdChangeOf, waIdToE164 } from "../inbound/parse";
import { applyStatuses, type StatusUpdate } from "../messages/apply-statuses";
import { countUnusedFields } from "./field-counts";
import { applyStateField, isStateField } from "./state-fields";

// Each change of a verified payload is read on its own, and inside it each status, message and
// preference: what can be applied is applied, and what cannot be read is kept as a dead letter
// (the piece alone, in its change) with the reason, where an operator sees it and replays it after
// a fix. Nothing in a payload's content makes it fail; only D1 or a queue can, and then the queue
// retries it.

function toChange(status: WebhookStatus): StatusChange | null {
  if (!["sent", "delivered", "read", "failed"].includes(status.status)) return null;
  const error = status.errors?.[0];
  const code = error?.code === undefined ? null : Number(error.code);
  const pricing = pricingOf(status.pricing);
  return {
    ...(pricing ? { pricing } : {}),
    status: status.status as StatusChange["status"],
    at: Number(status.timestamp) * 1000 || Date.now(),
    wamid: status.id,
    error: error
      ? {
          code: Number.isFinite(code) ? code : null,
          title: error.title ?? "error",
          message: error.error_data?.details ?? error.message ?? error.title ?? "",
        }
      : undefined,
  } as StatusChange;
}

interface Pending {
  statuses: StatusUpdate[];
  letters: WebhookDeadLetter[];
  unused: Map<string, number>;
  links: { number: string; userId: string }[];
}

/**
 * Applies one verified webhook payload's template status updates and inbound messages, and returns
 * its message statuses for the caller to apply: the events consumer applies a whole batch's
 * statuses together (features/messages/apply-statuses.ts). `queueMessageId` makes the dead letters
 * of a retried queue message the same ones.
 */
export async function handleAllButStatuses(
  db: Db,
  event: EventsBody,
  log: Logger,
  /** Runs waiting for a template are woken, held messages requeued, through the queues. */
  env?: Pick<Env, "JOBS" | "SENDS" | "RUN_LEDGER">,
  queueMessageId?: string,
  /** Gathers the payload's plain presses and replies for the consumer to apply with its batch's. */
  bulk?: InboundGatherer,
): Promise<StatusUpdate[]> {
  const pending: Pending = { statuses: [], letters: [], unused: new Map(), links: [] };
  const keyBase = queueMessageId ?? crypto.randomUUID();
  let pieces = 0;
  const deadLetter = (reason: string, payload: unknown) => {
    pieces += 1;
    pending.letters.push({
      key: `${keyBase}:${pieces}`,
      projectId: event.projectId,
      kind: "whatsapp-webhook",
      reason,
      body: { ...event, payload },
    });
  };
  // Bodies are split per change on arrival; reading the envelope again keeps a body from an older
  // deploy, or replayed from a dead letter, just as readable.
  const { parts, unreadable } = splitForQueue(event.payload);
  for (const piece of unreadable) deadLetter(piece.reason, piece.payload);
  for (const part of parts) {
    const entry = part.entry[0];
    const change = entry?.changes[0];
    if (!entry || !change) continue;
    // The piece alone, in its change, is what a dead letter keeps.
    const alone = (value: Record<string, unknown>) => ({
      ...part,
      entry: [{ ...entry, changes: [{ ...change, value: { ...withoutLists(change.value), ...value } }] }],
    });
    const setAside = (list: string) => (s: SetAside) =>
      deadLetter(`unreadable \`${change.field}\` change: ${s.reason}`, alone(s.index < 0 ? {} : { [list]: [s.raw] }));
    if (change.field === "messages") {
      await applyMessagesChange(db, event.projectId, change, pending, setAside, log, bulk);
    } else if (change.field === "user_preferences") {
      await applyPreferencesChange(db, event.projectId, change, setAside, log);
    } else if (isStateField(change.field)) {
      // Templates' status, category and quality; the number's quality and the account's state.
      const unreadable = await applyStateField(
        change.field,
        { db, log, env },
        { projectId: event.projectId, wabaId: entry.id, value: change.value },
      );
      if (unreadable) deadLetter(unreadable, part);
    } else {
      pending.unused.set(change.field, (pending.unused.get(change.field) ?? 0) + 1);
    }
  }
  await Promise.all([
    recordWebhookDeadLetters(db, pending.letters),
    linkRecipients(db, event.projectId, pending.links),
    countUnusedFields(db, event.projectId, pending.unused),
  ]);
  if (pending.letters.length > 0) {
    log.warn("unreadable webhook pieces kept as dead letters", {
      projectId: event.projectId,
      deadLettered: pending.letters.length,
    });
  }
  return pending.statuses;
}

const LISTS = ["statuses", "messages", "contacts", "user_preferences"];
const withoutLists = (value: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(value).filter(([key]) => !LISTS.includes(key)));

async function applyMessagesChange(
  db: Db,
  projectId: string,
  change: WebhookChange,
  pending: Pending,
  setAside: (list: string) => (s: SetAside) => void,
  log: Logger,
  bulk?: InboundGatherer,
) {
  const statuses = readList(StatusSchema, change.value.statuses, "statuses");
  statuses.setAside.forEach(setAside("statuses"));
  for (const { item: status } of statuses.items) {
    const statusChange = toChange(status);
    if (statusChange) {
      const ref = decodeCallback(status.biz_opaque_callback_data);
      pending.statuses.push(
        ref
          ? { projectId, messageId: ref.messageId, change: statusChange }
          : { projectId, wamid: status.id, change: statusChange },
      );
    }
    const number = status.recipient_id ? waIdToE164(status.recipient_id) : null;
    if (number && status.recipient_user_id) pending.links.push({ number, userId: status.recipient_user_id });
  }
  // `contacts` only tell who the messages are from: one that cannot be read is simply not used.
  const contacts = readList(WebhookContactSchema, change.value.contacts, "contacts").items.map((c) => c.item);
  const messages = readList(InboundMessageSchema, change.value.messages, "messages");
  messages.setAside.forEach(setAside("messages"));
  const readable = messages.items.filter(({ index, item }) => {
    if (userIdChangeOf(item) || personOf(item.from, item.from_user_id, item.type === "system" ? [] : contacts)) {
      return true;
    }
    setAside("messages")({
      index,
      reason: `messages[${index}] names nobody: no readable \`from\` number and no \`from_user_id\``,
      raw: item,
    });
    return false;
  });
  if (readable.length > 0) {
    await handleInbound(
      db,
      inboundConfig(),
      projectId,
      { ...change.value, contacts, messages: readable.map((m) => m.item), user_preferences: undefined },
      log,
      bulk,
    );
  }
}

async function applyPreferencesChange(
  db: Db,
  projectId: string,
  change: WebhookChange,
  setAside: (list: string) => (s: SetAside) => void,
  log: Logger,
) {
  const contacts = readList(WebhookContactSchema, change.value.contacts, "contacts").items.map((c) => c.item);
  const preferences = readList(UserPreferenceSchema, change.value.user_preferences, "user_preferences");
  preferences.setAside.forEach(setAside("user_preferences"));
  const readable = preferences.items.filter(({ index, item }) => {
    if (personOf(item.wa_id, item.user_id, contacts)) return true;
    setAside("user_preferences")({
      index,
      reason: `user_preferences[${index}] names nobody: no readable \`wa_id\` and no \`user_id\``,
      raw: item,
    });
    return false;
  });
  if (readable.length > 0) {
    await handleInbound(
      db,
      inboundConfig(),
      projectId,
      { ...change.value, contacts, messages: undefined, user_preferences: readable.map((p) => p.item) },
      log,
    );
  }
}

/** Applies one verified webhook payload whole: templates, inbound messages, then its statuses. */
export async function handleWebhookEvent(
  db: Db,
  event: EventsBody,
  log: Logger,
  env?: Pick<Env, "JOBS" | "SENDS" | "RUN_LEDGER">,
): Promise<Transition[]> {
  return applyStatuses(db, await handleAllButStatuses(db, event, log, env), { log });
}
