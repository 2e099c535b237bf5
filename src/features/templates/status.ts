import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { templates, whatsappAccounts } from "../../platform/db/schema";
import { sandboxIds } from "../../whatsapp/accounts";
import type { TemplateStatus } from "../../whatsapp/provider";
import type { StoredRejectionInfo, StoredStatusEvent } from "./meta-state";

/** One `message_template_status_update` change, as the webhook consumer reads it. */
export interface TemplateStatusUpdate {
  /** `entry[].id`: the WhatsApp Business Account the template belongs to. */
  wabaId: string;
  /** `message_template_id`; may be empty, then name and language find the template. */
  providerTemplateId: string;
  name?: string;
  language?: string;
  /** `event`: APPROVED, REJECTED, PAUSED, … */
  event: string;
  reason?: string | null;
  /**
   * The project whose credentials verified the webhook, when known. The update is then applied
   * only if that project's account is on `wabaId`: a webhook signed for one project cannot touch
   * the templates of a WhatsApp Business Account it does not use.
   */
  projectId?: string;
  /** Rejection info, disable date and lock details, kept with the template as Meta sent them. */
  detail?: { rejectionInfo: StoredRejectionInfo | null; statusEvent: StoredStatusEvent };
}

type Effect = { kind: "status"; status: TemplateStatus; keepReason: boolean } | { kind: "delete" } | { kind: "none" };

/**
 * How each event Meta sends maps onto our five statuses.
 *
 * - APPROVED, REJECTED, PAUSED, DISABLED, PENDING: that status. Meta's `reason` is kept in
 *   `rejectedReason` for REJECTED, PAUSED and DISABLED (the column says why a template cannot be
 *   sent) and cleared for APPROVED and PENDING. Meta sends the reason "NONE" when there is none.
 * - REINSTATED: APPROVED. Meta reinstates a paused, flagged or disabled template; it can be sent again.
 * - FLAGGED: no change. Meta flags an APPROVED template whose quality dropped and names a date on
 *   which it will be disabled unless quality recovers; until then it stays approved and sendable,
 *   and the DISABLED event (if it comes) does the rest.
 * - IN_APPEAL: PENDING. A rejected template under appeal is being reviewed again; the rejection
 *   reason is kept until the appeal is decided.
 * - ARCHIVED: DISABLED (an archived template cannot be sent). UNARCHIVED: APPROVED.
 * - PENDING_DELETION and DELETED: the row is removed. Meta refuses sends from the moment a deletion
 *   is requested, and the name cannot be reused for 30 days anyway; keeping a row that can never
 *   be sent would only mislead. Our status enum has no "deleted" value to mark it with.
 * - LOCKED, UNLOCKED (editing locked or unlocked; sending unaffected): no change.
 * - Anything else: ignored, reported as such, so that a new Meta event never breaks the consumer.
 */
const EFFECTS: Record<string, Effect> = {
  APPROVED: { kind: "status", status: "APPROVED", keepReason: false },
  REJECTED: { kind: "status", status: "REJECTED", keepReason: true },
  PAUSED: { kind: "status", status: "PAUSED", keepReason: true },
  DISABLED: { kind: "status", status: "DISABLED", keepReason: true },
  PENDING: { kind: "status", status: "PENDING", keepReason: false },
  REINSTATED: { kind: "status", status: "APPROVED", keepReason: false },
  IN_APPEAL: { kind: "status", status: "PENDING", keepReason: true },
  ARCHIVED: { kind: "status", status: "DISABLED", keepReason: true },
  UNARCHIVED: { kind: "status", status: "APPROVED", keepReason: false },
  FLAGGED: { kind: "none" },
  LOCKED: { kind: "none" },
  UNLOCKED: { kind: "none" },
  PENDING_DELETION: { kind: "delete" },
  DELETED: { kind: "delete" },
};

export interface TemplateStatusChange {
  id: string;
  projectId: string;
  name: string;
  language: string;
  before: { status: TemplateStatus; rejectedReason: string | null };
  /** null: the row was removed. */
  after: { status: TemplateStatus; rejectedReason: string | null } | null;
}

export interface TemplateStatusResult {
  event: string;
  /** Rows the update was found to be about. */
  matched: number;
  /** Only the rows that actually changed (a repeated webhook changes nothing). */
  changes: TemplateStatusChange[];
  /** Why nothing was applied, if so. */
  ignored?: "unknown_event" | "unknown_account" | "not_found";
}

/** Projects that send from the WhatsApp Business Account `wabaId`. */
async function projectsOnWaba(db: Db, wabaId: string): Promise<string[]> {
  const rows = await db
    .select({ projectId: whatsappAccounts.projectId })
    .from(whatsappAccounts)
    .where(eq(whatsappAccounts.wabaId, wabaId))
    .all();
  const ids = rows.map((r) => r.projectId);
  // A project without an account row uses the sandbox with ids derived from the project.
  const prefix = sandboxIds("").wabaId;
  if (wabaId.startsWith(prefix)) {
    const projectId = wabaId.slice(prefix.length);
    if (projectId && !ids.includes(projectId) && sandboxIds(projectId).wabaId === wabaId) {
      const stored = await db
        .select({ projectId: whatsappAccounts.projectId })
        .from(whatsappAccounts)
        .where(eq(whatsappAccounts.projectId, projectId))
        .get();
      if (!stored) ids.push(projectId);
    }
  }
  return ids;
}

const cleanReason = (reason: string | null | undefined) => {
  const trimmed = reason?.trim();
  return trimmed && trimmed.toUpperCase() !== "NONE" ? trimmed : null;
};

/** What a webhook names a template by, and where it may look for it. */
export interface TemplateLookup {
  wabaId: string;
  providerTemplateId: string;
  name?: string;
  language?: string;
  projectId?: string;
}

/**
 * The templates one of Meta's template webhooks is about: found by Meta's template id, else by
 * name and language, among the projects on that WhatsApp Business Account (several projects may
 * share one, and a template belongs to the account, so all of them follow). Every template
 * webhook field (status, category, quality) finds its rows here.
 */
export async function findTemplatesForUpdate(
  db: Db,
  lookup: TemplateLookup,
): Promise<{ rows: (typeof templates.$inferSelect)[]; ignored?: "unknown_account" | "not_found" }> {
  const projectIds = await projectsOnWaba(db, lookup.wabaId);
  if (projectIds.length === 0 || (lookup.projectId !== undefined && !projectIds.includes(lookup.projectId))) {
    return { rows: [], ignored: "unknown_account" };
  }
  const inProjects = inArray(templates.projectId, projectIds);
  let rows = lookup.providerTemplateId
    ? await db
        .select()
        .from(templates)
        .where(and(inProjects, eq(templates.providerTemplateId, lookup.providerTemplateId)))
        .all()
    : [];
  if (rows.length === 0 && lookup.name && lookup.language) {
    rows = await db
      .select()
      .from(templates)
      .where(and(inProjects, eq(templates.name, lookup.name), eq(templates.language, lookup.language)))
      .all();
  }
  return rows.length === 0 ? { rows, ignored: "not_found" } : { rows };
}

/** A rejection's detail lasts through an appeal, until the template is reviewed again. */
function rejectionInfoAfter(
  kept: StoredRejectionInfo | null,
  status: TemplateStatus,
  detail: NonNullable<TemplateStatusUpdate["detail"]>,
): StoredRejectionInfo | null {
  if (status === "REJECTED") return detail.rejectionInfo;
  if (status === "PENDING" && detail.statusEvent.event === "IN_APPEAL") return kept;
  if (status === "APPROVED" || status === "PENDING") return null;
  return kept;
}

/**
 * Applies one `message_template_status_update` to the templates it is about (see
 * findTemplatesForUpdate). With `detail`, the event itself is kept on each row too, even when it
 * changes no status (FLAGGED, LOCKED).
 */
export async function applyTemplateStatusUpdate(db: Db, update: TemplateStatusUpdate): Promise<TemplateStatusResult> {
  const event = update.event.trim().toUpperCase();
  const effect = EFFECTS[event];
  if (!effect) return { event, matched: 0, changes: [], ignored: "unknown_event" };

  const { rows, ignored } = await findTemplatesForUpdate(db, update);
  if (ignored) return { event, matched: 0, changes: [], ignored };

  const changes: TemplateStatusChange[] = [];
  const now = Date.now();
  for (const row of rows) {
    const before = { status: row.status, rejectedReason: row.rejectedReason };
    if (effect.kind === "none") {
      if (update.detail) {
        await db
          .update(templates)
          .set({ statusEvent: update.detail.statusEvent, updatedAt: now })
          .where(eq(templates.id, row.id))
          .run();
      }
      continue;
    }
    if (effect.kind === "delete") {
      const deleted = await db.delete(templates).where(eq(templates.id, row.id)).returning({ id: templates.id }).get();
      if (deleted) {
        changes.push({
          id: row.id,
          projectId: row.projectId,
          name: row.name,
          language: row.language,
          before,
          after: null,
        });
      }
      continue;
    }
    const change = await writeStatus(db, row, effect, event, update, now);
    if (change) changes.push(change);
  }
  return { event, matched: rows.length, changes };
}

type TemplateRow = Awaited<ReturnType<typeof findTemplatesForUpdate>>["rows"][number];

// Re-reads before a status write gives up: each lost race means another event moved the row.
const MAX_STATUS_WRITES = 5;

/**
 * Writes one status event to one template, compare-and-set on the status and reason it read:
 * two events applied at once (a batch's, or two invocations') never write over each other's
 * status unseen, so each change's `before` is what it really replaced, and what follows it
 * (holds, releases) agrees with the template's last status. A lost race re-reads the row.
 */
async function writeStatus(
  db: Db,
  read: TemplateRow,
  effect: Extract<Effect, { kind: "status" }>,
  event: string,
  update: TemplateStatusUpdate,
  now: number,
): Promise<TemplateStatusChange | null> {
  let row: TemplateRow | undefined = read;
  for (let attempt = 0; row && attempt < MAX_STATUS_WRITES; attempt++) {
    const before = { status: row.status, rejectedReason: row.rejectedReason };
    const reason = cleanReason(update.reason);
    const after = {
      status: effect.status,
      rejectedReason: effect.keepReason ? (reason ?? (event === "IN_APPEAL" ? row.rejectedReason : null)) : null,
    };
    const unchanged = after.status === before.status && after.rejectedReason === before.rejectedReason;
    if (unchanged && !update.detail) return null;
    const detail = update.detail
      ? {
          statusEvent: update.detail.statusEvent,
          rejectionInfo: rejectionInfoAfter(
            row.rejectionInfo as StoredRejectionInfo | null,
            after.status,
            update.detail,
          ),
        }
      : {};
    const written = await db
      .update(templates)
      .set({ ...after, ...detail, updatedAt: now })
      .where(
        and(
          eq(templates.id, row.id),
          eq(templates.status, before.status),
          sql`${templates.rejectedReason} IS ${before.rejectedReason}`,
        ),
      )
      .returning({ id: templates.id });
    if (written.length === 1) {
      if (unchanged) return null;
      return { id: row.id, projectId: row.projectId, name: row.name, language: row.language, before, after };
    }
    row = await db.select().from(templates).where(eq(templates.id, row.id)).get();
  }
  if (row) throw new Error(`template ${row.id}: its status kept changing under ${MAX_STATUS_WRITES} writes`);
  return null;
}
