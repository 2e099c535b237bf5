import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { readConfig } from "../../platform/config";
import type { Db } from "../../platform/db/client";
import { campaignOfSql, responseIsNew, responses, wamidIs } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import type { WebhookChangeValue } from "../../whatsapp/webhook/payload";
import { forgetSnapshot } from "../contacts/snapshot";
import { movedStatements, optStatement, seenStatements, userIdChangedStatements } from "./identity";
import { type InboundAction, type InboundConfig, type InboundResponse, inboundActions, type OptChange } from "./parse";
import { answerPresses } from "./presses";
import { routed, routedJoins } from "./routed";

/** The keyword lists from the Worker's validated configuration (for the events consumer). */
export const inboundConfig = (): InboundConfig => readConfig(env);

/** Takes a change's actions to apply later with others, or declines them (false). */
export interface InboundGatherer {
  take(projectId: string, actions: InboundAction[]): boolean;
}

export interface InboundOutcome {
  /** Contacts whose opt-out flag this change actually flipped (or who were created opted out). */
  optChanges: number;
  /** Response rows stored (a replayed message stores nothing). */
  responsesStored: number;
  /** Entries skipped because they name nobody: no readable number and no business-scoped user id. */
  unreadable: number;
}

/**
 * Stores a response, linked to the message it answers (and that message's campaign and run) when
 * `context.id` is one of this project's wamids. One statement, no read first: the link is a join.
 * A message that answers nothing of ours is kept too, unlinked: whether a recipient replied within
 * a day of delivery is read from it (src/features/replies/replied.ts), quoted or not. A wamid the
 * project already stored is not stored again (`responseIsNew`).
 */
function responseStatement(db: Db, projectId: string, r: InboundResponse) {
  // Column order of responses: id, project_id, number, message_id, campaign_id, run_id, wamid,
  // kind, payload, text, received_at.
  // A press that quotes nothing of ours may still name its campaign in its payload (a broadcast
  // button's `bcb:<campaignId>:<index>`): it counts for that campaign if the project has it.
  const named = sql`(SELECT c.id FROM campaigns c WHERE c.project_id = ${projectId} AND c.id = ${r.campaignId})`;
  const values = sql`SELECT NULL, ${projectId}, ${r.number}, ${routed.messageId}, coalesce(${sql.raw(campaignOfSql("m"))}, rr.campaign_id, ${named}), ${routed.runId}, ${r.wamid}, ${r.kind}, ${r.payload}, ${r.text}, ${r.receivedAt}`;
  const source = sql`FROM (SELECT 1) LEFT JOIN messages m ON m.project_id = ${projectId} AND ${wamidIs("m.wamid", sql`${r.contextId}`)}
    ${routedJoins(sql`${r.contextId}`, sql`${projectId}`)}
    WHERE ${responseIsNew(sql`${projectId}`, sql`${r.wamid}`)}`;
  return db.insert(responses).select(sql`${values} ${source}`).returning({ id: responses.id });
}

/**
 * Applies the inbound part of one webhook change for a project: the senders' contacts (found or
 * created by number or BSUID, with the time of their last message; moved when they changed
 * number), opt-out keywords, marketing preference changes and campaign responses, all in one D1
 * batch (one transaction, in payload order, so "STOP" then "START" in one webhook ends opted in). Idempotent: a replayed webhook stores
 * no response twice and sets each flag to the value it already has. Then the presses of broadcast
 * campaigns' buttons just stored are answered (./presses.ts). With `bulk`, a change that only
 * says who wrote and what is left to the bulk, which applies a whole batch's in two statements.
 */
export async function handleInbound(
  db: Db,
  config: InboundConfig,
  projectId: string,
  value: WebhookChangeValue,
  log?: Logger,
  /** Where the events consumer gathers a batch's plain presses and replies (./bulk.ts). */
  bulk?: InboundGatherer,
): Promise<InboundOutcome> {
  const now = Date.now();
  const { actions, unreadable } = inboundActions(config, value, now);
  if (unreadable > 0) log?.warn("inbound entries naming nobody skipped", { projectId, unreadable });
  if (bulk?.take(projectId, actions)) return { optChanges: 0, responsesStored: 0, unreadable };
  return { ...(await applyInboundActions(db, projectId, actions, log, now)), unreadable };
}

/**
 * Applies one change's actions (see handleInbound) in one D1 batch, then answers the presses it
 * stored. What a bulk of them could not apply together is applied here, one change at a time.
 */
export async function applyInboundActions(
  db: Db,
  projectId: string,
  actions: InboundAction[],
  log?: Logger,
  now = Date.now(),
): Promise<Omit<InboundOutcome, "unreadable">> {
  // Each action's statements, in payload order; only opt and response statements are counted.
  const statements: BatchItem<"sqlite">[] = [];
  const counted: { index: number; action: OptChange | InboundResponse }[] = [];
  for (const action of actions) {
    switch (action.type) {
      case "seen":
        statements.push(...seenStatements(db, projectId, action.who, action.at, now));
        break;
      case "opt":
        counted.push({ index: statements.length, action });
        statements.push(optStatement(db, projectId, action.who, action.optedOut, action.at, now));
        break;
      case "response":
        counted.push({ index: statements.length, action });
        statements.push(responseStatement(db, projectId, action));
        break;
      case "moved":
        statements.push(...movedStatements(db, projectId, action, now));
        break;
      case "user-id-changed":
        statements.push(...userIdChangedStatements(db, projectId, action, now));
        break;
    }
  }
  const [first, ...rest] = statements;
  if (!first) return { optChanges: 0, responsesStored: 0 };
  const results = (await db.batch([first, ...rest])) as unknown[];

  let optChanges = 0;
  let responsesStored = 0;
  const newPresses: InboundResponse[] = [];
  for (const { index, action } of counted) {
    const changed = (results[index] as unknown[] | undefined)?.length ?? 0;
    if (action.type === "opt") optChanges += changed;
    else {
      responsesStored += changed;
      if (changed > 0 && (action.kind === "button" || action.kind === "interactive")) newPresses.push(action);
    }
  }
  // A contact may have moved or been linked: the opt-out snapshot is keyed by number.
  const movedOrLinked = actions.some((a) => a.type === "moved" || a.type === "user-id-changed");
  // The API-campaign request path answers "skipped" from a cached opt-out set: let this isolate
  // see the change at once (others within the snapshot's TTL; the sends consumer re-checks the row).
  if (optChanges > 0 || movedOrLinked) forgetSnapshot(projectId);
  if (optChanges > 0 || responsesStored > 0) log?.info("inbound applied", { projectId, optChanges, responsesStored });
  // After the batch, and only for presses stored just now: a replayed webhook answers nothing twice.
  if (newPresses.length > 0) await answerPresses(db, projectId, newPresses, log);
  return { optChanges, responsesStored };
}
