import type { Db } from "../../platform/db/client";
import type { Logger } from "../../platform/log";
import { followTemplateStatus } from "./hold";
import { StatusUpdateValue, templateRef, upper } from "./meta-values";
import { applyTemplateStatusUpdate, type TemplateStatusResult } from "./status";

/** What every handler of a template or number webhook change needs. */
export interface MetaChangeDeps {
  db: Db;
  log: Logger;
  /** Queues for the holds' follow-ups; without them the every-minute sweep does the waking. */
  env?: Pick<Env, "JOBS" | "SENDS" | "RUN_LEDGER">;
}

/** One change of a verified webhook: its project (whose signature verified it), account and raw value. */
export interface MetaChange {
  projectId: string;
  wabaId: string;
  value: unknown;
}

const meaningful = (reason: string | null | undefined) => (reason && reason.toUpperCase() !== "NONE" ? reason : null);

/**
 * `message_template_status_update`: the template's status, Meta's reason and rejection info, and
 * the event itself (FLAGGED with its disable date, LOCKED…), then the holds and releases that
 * follow for its API campaigns (./hold.ts). The caller has its broadcast runs follow
 * (features/runs/wake.ts) with the changes returned.
 */
export async function onTemplateStatusChange(
  deps: MetaChangeDeps,
  change: MetaChange,
): Promise<TemplateStatusResult | { ignored: "unreadable" }> {
  const parsed = StatusUpdateValue.safeParse(change.value);
  const value = parsed.success ? parsed.data : null;
  const event = upper(value?.event);
  if (!value || !event) {
    deps.log.warn("template status update without an event", { projectId: change.projectId });
    return { ignored: "unreadable" };
  }
  const rejection = value.rejection_info;
  const applied = await applyTemplateStatusUpdate(deps.db, {
    projectId: change.projectId,
    wabaId: change.wabaId,
    ...templateRef(value),
    event,
    reason: value.reason ?? null,
    detail: {
      rejectionInfo:
        rejection && (rejection.reason || rejection.recommendation)
          ? { reason: rejection.reason || null, recommendation: rejection.recommendation || null }
          : null,
      statusEvent: {
        event,
        reason: meaningful(value.reason),
        disableDate: value.disable_info?.disable_date || null,
        title: value.other_info?.title || null,
        description: value.other_info?.description || null,
        at: Date.now(),
      },
    },
  });
  if (applied.ignored) deps.log.info("template status update not applied", { event, ignored: applied.ignored });
  await followTemplateStatus(deps, applied.changes);
  return applied;
}
