import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { setup } from "../api-campaigns/api-send.helpers";
import messagesAudio from "../fixtures/webhooks/messages-audio.json";
import messagesBsuidOnly from "../fixtures/webhooks/messages-bsuid-only.json";
import messagesBsuidWithNumber from "../fixtures/webhooks/messages-bsuid-with-number.json";
import messagesButton from "../fixtures/webhooks/messages-button.json";
import messagesContacts from "../fixtures/webhooks/messages-contacts.json";
import messagesDocument from "../fixtures/webhooks/messages-document.json";
import messagesImage from "../fixtures/webhooks/messages-image.json";
import messagesInteractiveButtonReply from "../fixtures/webhooks/messages-interactive-button-reply.json";
import messagesInteractiveListReply from "../fixtures/webhooks/messages-interactive-list-reply.json";
import messagesInteractiveNfmReply from "../fixtures/webhooks/messages-interactive-nfm-reply.json";
import messagesLocation from "../fixtures/webhooks/messages-location.json";
import messagesOrder from "../fixtures/webhooks/messages-order.json";
import messagesReaction from "../fixtures/webhooks/messages-reaction.json";
import messagesSticker from "../fixtures/webhooks/messages-sticker.json";
import messagesSystemUserChangedNumber from "../fixtures/webhooks/messages-system-user-changed-number.json";
import messagesSystemUserChangedUserId from "../fixtures/webhooks/messages-system-user-changed-user-id.json";
import messagesText from "../fixtures/webhooks/messages-text.json";
import messagesTextStop from "../fixtures/webhooks/messages-text-stop.json";
import messagesUnsupported from "../fixtures/webhooks/messages-unsupported.json";
import messagesVideo from "../fixtures/webhooks/messages-video.json";
import mixedStatusAndUnreadableMessage from "../fixtures/webhooks/mixed-status-and-unreadable-message.json";
import mixedUnreadableStatusBesideReadable from "../fixtures/webhooks/mixed-unreadable-status-beside-readable.json";
import statusesBsuid from "../fixtures/webhooks/statuses-bsuid.json";
import statusesDeliveredReadOutOfOrder from "../fixtures/webhooks/statuses-delivered-read-out-of-order.json";
import statusesFailed from "../fixtures/webhooks/statuses-failed.json";
import statusesSent from "../fixtures/webhooks/statuses-sent.json";
import unusedSmbMessageEchoes from "../fixtures/webhooks/unused-smb-message-echoes.json";
import userPreferencesBsuidStop from "../fixtures/webhooks/user-preferences-bsuid-stop.json";
import userPreferencesResume from "../fixtures/webhooks/user-preferences-resume.json";
import userPreferencesStop from "../fixtures/webhooks/user-preferences-stop.json";
import { call, db } from "../helpers";
import { attachMetaAccount, NUMBER, newWamid, sign } from "../inbound/inbound.helpers";
import { eventually, insertQueuedMessage, templateMessage } from "../messages/messages.helpers";

// The corpus of webhook payloads under test/fixtures/webhooks/, one per field and message type,
// each written from the page of Meta's documentation it names in `source`. Values written
// `"<KEY>"` are filled per test (ids, numbers); everything else is as the page shapes it.

interface Fixture {
  source: string;
  note: string;
  payload: unknown;
}

const corpus: Record<string, Fixture> = {
  "messages-audio": messagesAudio,
  "messages-bsuid-only": messagesBsuidOnly,
  "messages-bsuid-with-number": messagesBsuidWithNumber,
  "messages-button": messagesButton,
  "messages-contacts": messagesContacts,
  "messages-document": messagesDocument,
  "messages-image": messagesImage,
  "messages-interactive-button-reply": messagesInteractiveButtonReply,
  "messages-interactive-list-reply": messagesInteractiveListReply,
  "messages-interactive-nfm-reply": messagesInteractiveNfmReply,
  "messages-location": messagesLocation,
  "messages-order": messagesOrder,
  "messages-reaction": messagesReaction,
  "messages-sticker": messagesSticker,
  "messages-system-user-changed-number": messagesSystemUserChangedNumber,
  "messages-system-user-changed-user-id": messagesSystemUserChangedUserId,
  "messages-text": messagesText,
  "messages-text-stop": messagesTextStop,
  "messages-unsupported": messagesUnsupported,
  "messages-video": messagesVideo,
  "mixed-status-and-unreadable-message": mixedStatusAndUnreadableMessage,
  "mixed-unreadable-status-beside-readable": mixedUnreadableStatusBesideReadable,
  "statuses-bsuid": statusesBsuid,
  "statuses-delivered-read-out-of-order": statusesDeliveredReadOutOfOrder,
  "statuses-failed": statusesFailed,
  "statuses-sent": statusesSent,
  "unused-smb-message-echoes": unusedSmbMessageEchoes,
  "user-preferences-bsuid-stop": userPreferencesBsuidStop,
  "user-preferences-resume": userPreferencesResume,
  "user-preferences-stop": userPreferencesStop,
};

export const corpusNames = () => Object.keys(corpus);

/** The page of Meta's documentation a fixture follows, and what it shows. */
export const corpusSource = (name: string) => {
  const fixture = corpus[name];
  if (!fixture) throw new Error(`no fixture ${name}`);
  return { source: fixture.source, note: fixture.note };
};

/** The fixture's payload with every `"<KEY>"` value replaced by `vars.KEY`. */
export function fill(name: string, vars: Record<string, string>): unknown {
  const fixture = corpus[name];
  if (!fixture) throw new Error(`no fixture ${name}`);
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") {
      const key = /^<([A-Z_]+)>$/.exec(value)?.[1];
      if (key === undefined) return value;
      const filled = vars[key];
      if (filled === undefined) throw new Error(`fixture ${name} needs ${key}`);
      return filled;
    }
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    }
    return value;
  };
  return walk(fixture.payload);
}

/** Meta's timestamp of every corpus message, as the API shows it. */
export const FIXTURE_TIME = "2025-12-01T05:20:00.000Z";
export const WA_ID = NUMBER.slice(1);

/** A project with an API campaign and a Meta account: what a webhook needs to reach and to count for. */
export async function corpusProject() {
  const s = await setup();
  const account = await attachMetaAccount(s.id);
  const listed = await call("GET", "/v1/api-campaigns", { key: s.manager });
  expect(listed.status).toBe(200);
  const campaignId = listed.body.data[0].id as string;
  const vars = (extra: Record<string, string> = {}) => ({
    WABA_ID: account.wabaId,
    PHONE_NUMBER_ID: account.phoneNumberId,
    WA_ID,
    WAMID: newWamid("fixture"),
    ...extra,
  });
  /** POSTs the fixture signed as Meta would; every one is answered 200. */
  const post = async (name: string, extra: Record<string, string> = {}) => {
    const body = JSON.stringify(fill(name, vars(extra)));
    const response = await exports.default.fetch(
      new Request("https://api.test/webhooks/whatsapp", {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": await sign(account.appSecret, body) },
        body,
      }),
    );
    expect(response.status, name).toBe(200);
    return (await response.json()) as { received: number; deadLettered?: number };
  };
  return { ...s, account, campaignId, post };
}

/** The campaign's responses through the API, once `count` are there. */
export async function responsesOf(key: string, campaignId: string, count = 1) {
  const listed = await eventually(
    () => call("GET", `/v1/campaigns/${campaignId}/responses`, { key }),
    (r) => r.status === 200 && r.body.data.length >= count,
  );
  return listed.body.data as Record<string, unknown>[];
}

/** A contact through the API, once `done` holds. */
export async function contactOf(key: string, number: string, done: (body: Record<string, unknown>) => boolean) {
  const found = await eventually(
    () => call("GET", `/v1/contacts/${encodeURIComponent(number)}`, { key }),
    (r) => r.status === 200 && done(r.body),
  );
  return found.body as Record<string, unknown>;
}

/** The contact Meta names by this business-scoped user id, through the API, once `done` holds. */
export async function contactByUserId(key: string, userId: string, done: (body: Record<string, unknown>) => boolean) {
  const found = await eventually(
    () => call("GET", `/v1/contacts?userId=${encodeURIComponent(userId)}`, { key }),
    (r) => r.status === 200 && r.body.data.length === 1 && done(r.body.data[0]),
  );
  return found.body.data[0] as Record<string, unknown>;
}

/** A message of ours in `sending`, with the wamid Meta gave it: statuses move it on. */
export async function sendingMessage(projectId: string, wamid: string, campaignId: string | null = null) {
  const id = await insertQueuedMessage(db(), {
    projectId,
    number: NUMBER,
    templateId: null,
    payload: templateMessage(NUMBER, "MARKETING"),
    campaignId,
  });
  await env.DB.prepare("UPDATE messages SET status = 'sending', wamid = ? WHERE id = ?").bind(wamid, id).run();
  return id;
}
