import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { buttonPayload } from "../../src/features/broadcast-messages/payload";
import { inputGroupId, insertInputGroup } from "../../src/features/variable-groups/store";
import { handleWebhookEvent } from "../../src/features/webhooks/apply";
import { campaigns } from "../../src/platform/db/schema";
import { newId } from "../../src/platform/ids";
import { createLogger } from "../../src/platform/log";
import type { InboundMessage } from "../../src/whatsapp/webhook/payload";
import { api, db } from "../helpers";
import { messagesValue, payloadOf, press } from "../inbound/inbound.helpers";

// Journeys and the presses of broadcast campaigns' buttons. Campaign rows are written directly:
// only their buttons matter here, not how the create route builds them.

export const journeyBody = (id: string, texts: string[] = ["Welcome!", "Here is what happens next."]) => ({
  id,
  name: `Journey ${id}`,
  messages: texts.map((text) => ({ text })),
});

/** Creates a journey through the API, as a manager would. */
export async function createJourney(key: string, id: string, texts?: string[]) {
  const result = await api("POST", "/v1/create/journey", { key, body: journeyBody(id, texts) });
  expect(result.status, JSON.stringify(result.body)).toBe(201);
  return result.body.journey;
}

export type StoredButton = {
  text: string;
  type: "input" | "journey" | "phone" | "url";
  input?: string;
  journeyId?: string;
  phoneNumber?: string;
  url?: string;
};

let campaignSeq = 0;
/** A broadcast campaign row with these buttons, and its input group, as the create route leaves them. */
export async function broadcastCampaign(projectId: string, buttons: StoredButton[], title?: string) {
  campaignSeq += 1;
  const id = newId("cmp");
  const name = title ?? `Campaign ${campaignSeq} ${id}`;
  const now = Date.now();
  const database = db();
  await database.batch([
    database.insert(campaigns).values({
      id,
      projectId,
      kind: "broadcast",
      name,
      templateId: null,
      status: "live",
      message: "Hi! Pick one.",
      variables: [],
      imgUrl: null,
      buttons,
      language: "en_US",
      category: "MARKETING",
      createdAt: now,
      updatedAt: now,
    }),
    insertInputGroup(database, projectId, id, name, now),
  ]);
  return { id, name, inputGroupId: inputGroupId(id) };
}

/** A press of a broadcast campaign's quick-reply button, as Meta's `button` message carries it. */
export const buttonPress = (
  campaignId: string,
  index: number,
  label: string,
  options: { id?: string; from?: string; at?: number } = {},
) => press(buttonPayload({ campaignId, index }), label, options);

const quiet = createLogger({ test: "presses" }, "error");

/** Runs one `messages` webhook through the events consumer's handler, as the queue would. */
export async function deliverInbound(projectId: string, messages: InboundMessage[]) {
  return handleWebhookEvent(
    db(),
    {
      kind: "whatsapp-webhook",
      source: "meta",
      projectId,
      receivedAt: Date.now(),
      payload: payloadOf("waba", "messages", messagesValue(messages)),
    },
    quiet,
  );
}

/** The input group's values, straight from the tables: number → the recorded press. */
export async function inputValues(projectId: string, campaignId: string) {
  const { results } = await env.DB.prepare(
    `SELECT v.number, v."values" AS "values" FROM variable_values v JOIN variable_groups g ON g.pk = v.group_pk
     WHERE g.project_id = ? AND g.id = ? ORDER BY v.number`,
  )
    .bind(projectId, inputGroupId(campaignId))
    .all<{ number: string; values: string }>();
  return Object.fromEntries(results.map((r) => [r.number, JSON.parse(r.values) as Record<string, string>]));
}

export interface MessageRowLite {
  id: string;
  number: string;
  status: string;
  campaign_id: string | null;
  run_id: string | null;
  payload: string;
}

/** The project's message rows, in id order (for journey replies: sending order). */
export async function messageRows(projectId: string) {
  const { results } = await env.DB.prepare(
    "SELECT id, number, status, campaign_id, run_id, payload FROM messages WHERE project_id = ? ORDER BY id",
  )
    .bind(projectId)
    .all<MessageRowLite>();
  return results;
}
