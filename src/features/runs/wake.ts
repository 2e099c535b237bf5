import { and, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaigns, isBroadcastRun, runs } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import type { RunJob } from "../../queues/contracts";
import { sendJobs } from "../../queues/producers";
import { accountHoldOf, templateHoldReason } from "../templates/hold";
import type { TemplateStatusChange } from "../templates/status";
import type { RunRow } from "./schemas";
import type { RunCampaign } from "./store";
import { moveRun } from "./store";
import { templateGate } from "./template-gate";

/**
 * Called where template reviews are applied (Meta's status webhook): the runs waiting for one of
 * these templates get a run-start job, which approves, keeps waiting or fails them (or, for a run
 * a paused template stopped mid-way, lets it continue). The sweep repeats this every minute for any
 * review that arrives another way.
 */
export async function wakeRunsForTemplates(env: Pick<Env, "JOBS">, db: Db, templateIds: string[]) {
  if (templateIds.length === 0) return 0;
  const waiting = await db
    .select({ id: runs.id, projectId: runs.projectId })
    .from(runs)
    .innerJoin(campaigns, eq(campaigns.id, runs.campaignId))
    .where(
      and(
        eq(runs.status, "waiting_template"),
        inArray(campaigns.templateId, [...new Set(templateIds)]),
        isBroadcastRun(),
      ),
    )
    .all();
  await sendJobs(
    env,
    waiting.map((r) => ({ kind: "run-start", runId: r.id, projectId: r.projectId })),
  );
  return waiting.length;
}

/**
 * A run already under way when its template was paused or disabled waits like a run whose template
 * is under review (`waiting_template`, with the reason), but with its place kept: its queued
 * messages stay queued (the sends gate holds them) and its fan-out stops at its cursor. Runs that
 * already wait for this template take the new reason (paused, then disabled). Returns the runs moved.
 */
export async function holdRunsForTemplate(db: Db, projectId: string, templateId: string, reason: string) {
  // Only while the template is still held as the statement runs: a later status event (another
  // invocation's) that reinstated it first wakes the runs itself, and must not find them held after.
  const ofTemplate = sql`${runs.campaignId} IN (SELECT id FROM campaigns WHERE project_id = ${projectId} AND template_id = ${templateId})
    AND EXISTS (SELECT 1 FROM templates t WHERE t.id = ${templateId} AND t.status IN ('PAUSED', 'DISABLED'))`;
  const [moved] = await db.batch([
    db
      .update(runs)
      .set({ status: "waiting_template", statusReason: reason, updatedAt: Date.now() })
      // An API day's row is left as it is: its campaign's own hold keeps its sends (../templates/hold.ts).
      .where(
        and(
          eq(runs.projectId, projectId),
          inArray(runs.status, ["fanning_out", "sending"]),
          ofTemplate,
          isBroadcastRun(),
        ),
      )
      .returning({ id: runs.id }),
    db
      .update(runs)
      .set({ statusReason: reason, updatedAt: Date.now() })
      .where(
        and(eq(runs.projectId, projectId), eq(runs.status, "waiting_template"), isNotNull(runs.startedAt), ofTemplate),
      ),
  ]);
  return moved.length;
}

/** Why a started run waits: its template is paused, disabled or gone at WhatsApp. */
export function heldRunReason(campaign: RunCampaign): string {
  const status = campaign.templateStatus;
  if (campaign.templateName && (status === "PAUSED" || status === "DISABLED")) {
    return templateHoldReason(campaign.templateName, status, campaign.rejectedReason);
  }
  return `${templateGate(campaign).reason ?? "the campaign's template cannot be sent"}; the run waits until it can send again, or is cancelled`;
}

/** The jobs that set a held run going again from where it stopped. */
export function continueJobs(run: Pick<RunRow, "id" | "projectId" | "fannedOutAt">): RunJob[] {
  return [
    ...(run.fannedOutAt === null ? [{ kind: "run-fanout" as const, runId: run.id, projectId: run.projectId }] : []),
    { kind: "run-requeue", runId: run.id, projectId: run.projectId, after: "" },
  ];
}

/**
 * The run-start job for a run that had started before its template was paused or disabled: with
 * the template approved again (REINSTATED), it continues where it stopped — its fan-out from the
 * cursor if unfinished, and its queued messages handed back to the number's governor, each sent
 * at most once (the send claim). Otherwise it keeps waiting, with the current reason: a held run
 * is never failed for what WhatsApp may lift.
 */
export async function continueHeldRun(env: Pick<Env, "JOBS">, db: Db, run: RunRow, campaign: RunCampaign) {
  if (templateGate(campaign).status !== "fanning_out") {
    const reason = heldRunReason(campaign);
    if (run.statusReason !== reason)
      await moveRun(db, run.id, ["waiting_template"], "waiting_template", { statusReason: reason });
    return;
  }
  // The account is held meanwhile (features/number-state): the run waits for that instead, and
  // resumes with the account's other held runs.
  const accountHold = await accountHoldOf(db, run.projectId);
  if (accountHold) {
    await moveRun(db, run.id, ["waiting_template"], "paused", { statusReason: accountHold });
    return;
  }
  const to = run.fannedOutAt === null ? "fanning_out" : "sending";
  const moved = await moveRun(db, run.id, ["waiting_template"], to, { statusReason: null });
  if (moved) await sendJobs(env, continueJobs(moved));
}

/**
 * What the templates' status changes mean for broadcast runs: runs under way of a template paused
 * or disabled are held, and the runs waiting for any of these templates get a run-start job.
 */
export async function followTemplateStatusInRuns(
  deps: { db: Db; log: Logger; env?: Pick<Env, "JOBS"> },
  changes: TemplateStatusChange[],
) {
  const { db, log, env } = deps;
  for (const change of changes) {
    const after = change.after;
    if (after?.status !== "PAUSED" && after?.status !== "DISABLED") continue;
    const held = await holdRunsForTemplate(
      db,
      change.projectId,
      change.id,
      templateHoldReason(change.name, after.status, after.rejectedReason),
    );
    if (held > 0) log.info("runs held by their template", { templateId: change.id, runs: held });
  }
  if (!env || changes.length === 0) return;
  try {
    await wakeRunsForTemplates(
      env,
      db,
      changes.map((change) => change.id),
    );
  } catch (err) {
    // The review is applied; the every-minute sweep wakes the runs instead.
    log.warn("could not wake runs waiting for a template", { err });
  }
}
