import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { readConfig } from "../../platform/config";
import type { Db } from "../../platform/db/client";
import { contacts, responses } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import type { WebhookChangeValue } from "../../whatsapp/webhook/payload";
import { forgetSnapshot } from "../contacts/snapshot";
import { type InboundConfig, type InboundResponse, inboundActions, type OptChange } from "./parse";
import { answerPresses } from "./presses";

/** The keyword lists from the Worker's validated configuration (for the events consumer). */
export const inboundConfig = (): InboundConfig => readConfig(env);

export interface InboundOutcome {
  /** Contacts whose opt-out flag this change actually flipped (or who were created opted out). */
  optChanges: number;
  /** Response rows stored (a replayed message stores nothing). */
  responsesStored: number;
  /** Entries skipped because their number could not be read. */
  unreadable: number;
}

/**
 * Sets a contact's opt-out flag, creating the contact when the number is unknown. The update only
 * happens when the flag differs, so a replay changes nothing (not even `updated_at`) and RETURNING
 * tells whether anything changed.
 */
function optStatement(db: Db, projectId: string, change: OptChange, now: number) {
  return db
    .insert(contacts)
    .values({
      projectId,
      number: change.number,
      optedOut: change.optedOut,
      optChangedAt: change.at,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: [contacts.projectId, contacts.number],
      set: { optedOut: change.optedOut, optChangedAt: change.at, updatedAt: now },
      // Only a change, and only one newer than the last: a STOP redelivered after a later START
      // (webhooks arrive late and out of order) leaves the contact opted in.
      setWhere: sql`"contacts"."opted_out" <> excluded."opted_out" AND coalesce("contacts"."opt_changed_at", 0) <= excluded."opt_changed_at"`,
    })
    .returning({ id: contacts.id });
}

/**
 * Stores a response, linked to the message it answers (and that message's campaign and run) when
 * `context.id` is one of this project's wamids. One statement, no read first: the link is a join.
 * Presses are kept unlinked when the quoted message is unknown; text replies are not kept at all.
 * `WHERE true` is SQLite's required disambiguation for INSERT … SELECT … ON CONFLICT.
 */
function responseStatement(db: Db, projectId: string, r: InboundResponse) {
  // Column order of responses: id, project_id, number, message_id, campaign_id, run_id, wamid,
  // kind, payload, text, received_at.
  const values = sql`SELECT NULL, ${projectId}, ${r.number}, m.id, m.campaign_id, m.run_id, ${r.wamid}, ${r.kind}, ${r.payload}, ${r.text}, ${r.receivedAt}`;
  const source = r.onlyIfLinked
    ? sql`FROM messages m WHERE m.project_id = ${projectId} AND m.wamid = ${r.contextId}`
    : sql`FROM (SELECT 1) LEFT JOIN messages m ON m.project_id = ${projectId} AND m.wamid = ${r.contextId} WHERE true`;
  return db.insert(responses).select(sql`${values} ${source}`).onConflictDoNothing().returning({ id: responses.id });
}

/**
 * Applies the inbound part of one webhook change for a project: opt-out keywords, marketing
 * preference changes and campaign responses, all in one D1 batch (one transaction, in payload
 * order, so "STOP" then "START" in one webhook ends opted in). Idempotent: a replayed webhook stores
 * no response twice and sets each flag to the value it already has. Then the presses of broadcast
 * campaigns' buttons just stored are answered (./presses.ts).
 */
export async function handleInbound(
  db: Db,
  config: InboundConfig,
  projectId: string,
  value: WebhookChangeValue,
  log?: Logger,
): Promise<InboundOutcome> {
  const now = Date.now();
  const { actions, unreadable } = inboundActions(config, value, now);
  if (unreadable > 0) log?.warn("inbound entries with an unreadable number skipped", { projectId, unreadable });
  if (actions.length === 0) return { optChanges: 0, responsesStored: 0, unreadable };

  const [first, ...rest] = actions.map(
    (action): BatchItem<"sqlite"> =>
      action.type === "opt" ? optStatement(db, projectId, action, now) : responseStatement(db, projectId, action),
  );
  const results = (await db.batch([first as BatchItem<"sqlite">, ...rest])) as unknown[][];

  let optChanges = 0;
  let responsesStored = 0;
  const newPresses: InboundResponse[] = [];
  actions.forEach((action, i) => {
    const changed = results[i]?.length ?? 0;
    if (action.type === "opt") optChanges += changed;
    else {
      responsesStored += changed;
      if (changed > 0 && action.kind !== "text") newPresses.push(action);
    }
  });
  // The API-campaign request path answers "skipped" from a cached opt-out set: let this isolate
  // see the change at once (others within the snapshot's TTL; the sends consumer re-checks the row).
  if (optChanges > 0) forgetSnapshot(projectId);
  if (optChanges > 0 || responsesStored > 0) log?.info("inbound applied", { projectId, optChanges, responsesStored });
  // After the batch, and only for presses stored just now: a replayed webhook answers nothing twice.
  if (newPresses.length > 0) await answerPresses(db, projectId, newPresses, log);
  return { optChanges, responsesStored, unreadable };
}
