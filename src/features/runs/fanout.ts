import { eq, sql } from "drizzle-orm";
import { readConfig } from "../../platform/config";
import type { Db } from "../../platform/db/client";
import type { Transition } from "../../platform/db/schema";
import { messages, runRef, runs } from "../../platform/db/schema";
import { ApiError } from "../../platform/errors";
import { newMessageId } from "../../platform/ids";
import type { Logger } from "../../platform/log";
import type { RunFanoutJob } from "../../queues/contracts";
import { audiencePage, resolveAudiences } from "../audiences/members";
import { groupRefsOf, loadBroadcastCampaign } from "../broadcast-messages/campaign";
import { linkKey as linkKeyOf, stampLinks } from "../broadcast-messages/links";
import { whatsappMediaId } from "../media/whatsapp-id";
import { afterTransitions } from "../messages/after-transitions";
import { logMoves, type Move, newTx } from "../messages/log";
import { rememberBases, type StoredMessage, sharePayloads, storedColumns } from "../messages/payload";
import { STEP } from "../messages/trail";
import { completeLedgerRuns } from "../run-ledger/complete";
import { groupsByRef } from "../variable-groups/store";
import { completeRuns } from "./complete";
import { feedRun } from "./feed";
import { enqueueRunJob } from "./jobs";
import { mergedFanoutPage, recordLedgerPage } from "./ledger-fanout";
import type { FanoutPage, Recipient, StoredCursor } from "./page";
import { recipientsThatFit } from "./page-budget";
import { recipientsFor, type Sender } from "./recipients";
import { retryPage } from "./retry";
import type { RunRow } from "./schemas";
import { advanceCursor, getRun, moveRun, START_CURSOR } from "./store";

// A page is at most 500 contacts of one audience (FANOUT_PAGE_SIZE, src/platform/config.ts): one
// json_each statement per status (D1 binds at most 100 parameters, so rows travel as ONE JSON
// parameter); nothing is enqueued here. The work per job is bounded
// whatever the audience size; a 100,000-contact run is 200 pages, 50 jobs.

// A queue hop costs up to the consumer's batch wait (a second): chaining one page per job would
// cap the fan-out near one page a second, below a 1,000/s number's send rate.
export const PAGES_PER_JOB = 4;
const JOB_BUDGET_MS = 10_000;

async function audienceFanoutPage(
  env: Env,
  db: Db,
  run: RunRow,
  sender: Sender,
  pageSize: number,
): Promise<FanoutPage> {
  const cursor: StoredCursor = (run.cursor as StoredCursor | null) ?? START_CURSOR;
  const targets =
    cursor.targets ?? (await resolveAudiences(db, run.projectId, (run.audiences as string[]) ?? [])).targets;
  const target = targets[cursor.audience];
  if (!target) return { recipients: [], next: null };
  const after = typeof cursor.after === "number" ? cursor.after : 0;
  const { contacts, after: nextAfter } = await audiencePage(db, run.projectId, target, after, pageSize, undefined, env);
  const all = await recipientsFor(db, sender, contacts, () => newMessageId());
  // Cut where the payloads would be too large to record as one value (./page-budget.ts).
  const fit = recipientsThatFit(all);
  const recipients = all.slice(0, fit);
  const cutAt = fit < all.length ? contacts[fit - 1]?.id : undefined;
  let next: StoredCursor | null;
  if (cutAt !== undefined) next = { audience: cursor.audience, after: cutAt, targets };
  else if (nextAfter !== null) next = { audience: cursor.audience, after: nextAfter, targets };
  else if (cursor.audience + 1 < targets.length) next = { audience: cursor.audience + 1, after: 0, targets };
  else next = null;
  return { recipients, next };
}

/** Column order of `messages` as drizzle lists it for insert().select(). */
function insertRecipients(
  db: Db,
  run: RunRow,
  status: "queued" | "skipped",
  rows: { recipient: Recipient; stored: StoredMessage | null }[],
  now: number,
  tx: number,
) {
  const json = JSON.stringify(rows.map(({ recipient: r, stored }) => [r.id, r.number, stored, r.skipReason]));
  const { payload, payloadBase } = storedColumns(sql`j.value`, "$[2]");
  // Columns in the table's order (campaign_id and template_id NULL: the run names its campaign,
  // and the campaign its template; run_id the run's short ref); the last five are claimed_at, trail, tx, payload_base and
  // billing.
  return db
    .insert(messages)
    .select(
      sql`SELECT j.value ->> '$[0]', ${run.projectId}, NULL, ${runRef(run)}, NULL, j.value ->> '$[1]', ${status}, ${payload}, NULL, 0, NULL, NULL, NULL, j.value ->> '$[3]', NULL, ${now}, ${now}, NULL, NULL, NULL, NULL, NULL, ${STEP[status]}, ${tx}, ${payloadBase}, NULL FROM json_each(${json}) j WHERE true`,
    )
    .onConflictDoNothing()
    .returning({ id: messages.id });
}

/** Adds the rows the statement just before it inserted (`changes()`) to one of the run's counters. */
function countInserted(db: Db, runId: string, counter: "queued" | "skipped") {
  return db
    .update(runs)
    .set({ [counter]: sql`${runs[counter]} + changes()` })
    .where(eq(runs.id, runId));
}

/**
 * Records one page of recipients and moves the cursor, in ONE D1 batch: the message rows (a
 * number already recorded in this run, from another audience or an earlier attempt at this page,
 * keeps its one message: ON CONFLICT DO NOTHING on the (run, number) index), their log row,
 * the run's counters, and the cursor, which moves only if no other delivery of this job moved it
 * first. Returns the ids actually inserted and whether this delivery moved the cursor.
 */
async function recordPage(db: Db, run: RunRow, page: FanoutPage) {
  const now = Date.now();
  const tx = newTx();
  const statements = [];
  const inserts: { at: number; status: "queued" | "skipped" }[] = [];
  const { stored, insertBases } = await sharePayloads(db, run.projectId, page.recipients);
  if (insertBases) statements.push(insertBases);
  const all = page.recipients.map((recipient, i) => ({ recipient, stored: stored[i] ?? null }));
  for (const status of ["queued", "skipped"] as const) {
    const rows = all.filter(({ recipient: r }) => (r.skipReason === null) === (status === "queued"));
    if (rows.length === 0) continue;
    inserts.push({ at: statements.length, status });
    statements.push(insertRecipients(db, run, status, rows, now, tx));
    statements.push(countInserted(db, run.id, status));
  }
  if (page.recipients.length > 0) {
    // Logged only for rows this batch inserted: an id that lost to an existing row is not stamped.
    statements.push(
      logMoves(
        db,
        tx,
        page.recipients.map((r): Move => [r.id, null, r.skipReason === null ? "queued" : "skipped"]),
      ),
    );
  }
  const done = page.next === null;
  const advanceAt = statements.length;
  statements.push(advanceCursor(db, run, page.next, now));
  const results = await db.batch(statements as unknown as Parameters<typeof db.batch>[0]);
  rememberBases(stored);
  const inserted = { queued: [] as string[], skipped: [] as string[] };
  for (const { at, status } of inserts) {
    for (const row of results[at] as { id: string }[]) inserted[status].push(row.id);
  }
  const advanced = (results[advanceAt] as { id: string }[]).length === 1;
  return { inserted, advanced, done };
}

/**
 * The run's campaign and its variable groups (none for a retry, which re-sends stored payloads).
 * A broadcast campaign's template, message and buttons never change once it is created, so one
 * load serves every page of a job. Null, after failing the run, when the campaign is gone.
 */
async function loadSender(env: Env, db: Db, log: Logger, run: RunRow): Promise<Sender | null> {
  const config = readConfig(env);
  const campaign = await loadBroadcastCampaign(db, run.projectId, run.campaignId);
  const fail = async (statusReason: string) => {
    await moveRun(db, run.id, ["fanning_out"], "failed", { statusReason, finishedAt: Date.now() });
    return null;
  };
  if (!campaign) return fail("the campaign no longer exists");
  // A library image is named by WhatsApp's id of its upload: looked up (uploaded again when it
  // nears its end) once per job, shared by every message of the job's pages.
  if (campaign.imgMedia && !run.retryOf) {
    const deps = { db, config, log, events: env.EVENTS, bucket: env.FILES };
    try {
      campaign.imgWhatsAppId = (await whatsappMediaId(deps, run.projectId, campaign.imgMedia)).id;
    } catch (err) {
      if (err instanceof ApiError && err.code === "not_found") {
        return fail(`the campaign's image (media file ${campaign.imgMedia}) no longer exists`);
      }
      throw err;
    }
  }
  const usMarketingPaused = config.US_MARKETING_PAUSED;
  const groups = run.retryOf ? new Map() : await groupsByRef(db, campaign.projectId, groupRefsOf(campaign));
  const linkKey = campaign.trackClicks ? await linkKeyOf(config.ENCRYPTION_KEY) : null;
  return { campaign, groups, usMarketingPaused, linkKey };
}

/**
 * One page of a run's fan-out: reads the page at the run's cursor, records it and counts the new
 * messages in the campaign's statistics. The number's governor, fed when the job began, releases
 * the queued ones into the sends queue at the number's pace. Returns
 * whether this delivery should go on with the next page.
 */
async function onePage(env: Env, db: Db, log: Logger, run: RunRow, sender: Sender, pageSize: number): Promise<boolean> {
  if (run.ledger === "object") return oneLedgerPage(env, db, run, sender, pageSize);
  const page = run.retryOf
    ? await retryPage(env, db, run, pageSize)
    : await audienceFanoutPage(env, db, run, sender, pageSize);
  if (sender.linkKey) {
    // Named after the message ids just drawn; a retry carries each suffix over from the message it re-sends.
    await stampLinks(
      sender.linkKey,
      sender.campaign.buttons,
      run.id,
      page.recipients,
      run.retryOf ? "token" : "suffix",
    );
  }
  const { inserted, advanced, done } = await recordPage(db, run, page);

  const created = (ids: string[], to: "queued" | "skipped"): Transition[] =>
    ids.map((messageId) => ({
      messageId,
      projectId: run.projectId,
      campaignId: run.campaignId,
      runId: run.id,
      from: null,
      to,
    }));
  await afterTransitions(env, [...created(inserted.queued, "queued"), ...created(inserted.skipped, "skipped")], log);

  if (!advanced) return false; // another delivery of this page moved on first; it continues the chain
  if (done) await completeRuns(db, [run.id]);
  return !done;
}

/**
 * One page of a run whose messages are in its own object: recorded there, whose log counts them in
 * the campaign's statistics (src/features/run-ledger/hand-over.ts).
 */
async function oneLedgerPage(env: Env, db: Db, run: RunRow, sender: Sender, pageSize: number): Promise<boolean> {
  const page = await mergedFanoutPage(env, db, run, sender, pageSize);
  if (sender.linkKey) await stampLinks(sender.linkKey, sender.campaign.buttons, run.id, page.recipients, "suffix");
  const { advanced, done } = await recordLedgerPage(env, db, run, page);
  if (!advanced) return false;
  if (done) await completeLedgerRuns(env, db, [run]);
  return !done;
}

/**
 * A fan-out job: up to PAGES_PER_JOB pages (each re-reads the run, so a pause or cancel stops it
 * at the next page), then hands the rest to a new job. Each page makes about a dozen subrequests
 * (D1 reads and one batch, five sendBatch calls, one stats RPC), so a jobs batch of 10 fan-out
 * jobs stays under 500 subrequests, half of the 1,000 an invocation may make; the time budget
 * keeps one job from holding its invocation long whatever the pages cost.
 */
export async function fanoutPage(env: Env, db: Db, log: Logger, job: RunFanoutJob, pageSize: number) {
  const started = Date.now();
  let sender: Sender | null = null;
  for (let page = 0; page < PAGES_PER_JOB; page++) {
    const run = await getRun(db, job.projectId, job.runId);
    if (run?.status !== "fanning_out") return;
    if (!sender) {
      sender = await loadSender(env, db, log, run);
      // Fed before any page is recorded: if this fails, the job retries with nothing recorded.
      if (sender) await feedRun(env, db, run);
    }
    if (!sender || !(await onePage(env, db, log, run, sender, pageSize))) return;
    if (Date.now() - started > JOB_BUDGET_MS) break;
  }
  await enqueueRunJob(env, job);
}
