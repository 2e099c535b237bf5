import { and, eq, sql } from "drizzle-orm";
import { forgetProjectCampaigns } from "../../platform/campaign-cache";
import { campaigns, templates } from "../../platform/db/schema";
import { TEMPLATE_CATEGORIES, type TemplateCategory } from "../../whatsapp/provider";
import type { StoredCategoryChange } from "./meta-state";
import { CategoryUpdateValue, templateRef, upper } from "./meta-values";
import { findTemplatesForUpdate } from "./status";
import type { MetaChange, MetaChangeDeps } from "./status-webhook";

export interface CategoryResult {
  state?: StoredCategoryChange["state"];
  /** Templates whose category (or announced change) was written. */
  templates: string[];
  ignored?: "unreadable" | "unknown_category" | "unknown_account" | "not_found";
}

const asCategory = (value: string | null): TemplateCategory | null =>
  value && (TEMPLATE_CATEGORIES as readonly string[]).includes(value) ? (value as TemplateCategory) : null;

/**
 * `template_category_update`. A change done (`previous_category` → `new_category`) becomes the
 * template's category at once, and with it everything read from it at send time: an API send
 * reads the template's category on each request (the marketing opt-out check), a broadcast
 * campaign keeps its template's category on its row, so those rows follow here. Meta's earlier
 * notice (`correct_category`, with `new_category` being the current one and the date it will
 * change) is recorded as `upcoming` and changes nothing yet: the completed notice follows.
 * Either way the template shows the change and how many campaigns send it.
 */
export async function onTemplateCategoryChange(deps: MetaChangeDeps, change: MetaChange): Promise<CategoryResult> {
  const { db, log } = deps;
  const parsed = CategoryUpdateValue.safeParse(change.value);
  if (!parsed.success) return { templates: [], ignored: "unreadable" };
  const value = parsed.data;
  const upcoming = !value.previous_category && Boolean(value.correct_category);
  const from = upcoming ? upper(value.new_category) : upper(value.previous_category);
  const to = asCategory(upcoming ? upper(value.correct_category) : upper(value.new_category));
  if (!to) {
    log.warn("template category update with a category we do not know", { projectId: change.projectId });
    return { templates: [], ignored: "unknown_category" };
  }
  const { rows, ignored } = await findTemplatesForUpdate(db, {
    projectId: change.projectId,
    wabaId: change.wabaId,
    ...templateRef(value),
  });
  if (ignored) return { templates: [], ignored };

  const now = Date.now();
  const written: string[] = [];
  for (const row of rows) {
    const using = await db
      .select({ n: sql<number>`count(*)` })
      .from(campaigns)
      .where(and(eq(campaigns.projectId, row.projectId), eq(campaigns.templateId, row.id)))
      .get();
    const record: StoredCategoryChange = {
      state: upcoming ? "upcoming" : "changed",
      from: from ?? row.category,
      to,
      effectiveAt: upcoming ? (value.category_update_timestamp ?? 0) * 1000 || null : now,
      campaigns: using?.n ?? 0,
      at: now,
    };
    if (upcoming) {
      await db.update(templates).set({ categoryChange: record, updatedAt: now }).where(eq(templates.id, row.id)).run();
    } else {
      // One batch: the template and the broadcast campaigns' copies of its category move together.
      await db.batch([
        db
          .update(templates)
          .set({ category: to, categoryChange: record, updatedAt: now })
          .where(eq(templates.id, row.id)),
        db
          .update(campaigns)
          .set({ category: to, updatedAt: now })
          .where(
            and(
              eq(campaigns.projectId, row.projectId),
              eq(campaigns.kind, "broadcast"),
              eq(campaigns.templateId, row.id),
            ),
          ),
      ]);
    }
    // Sends read a campaign's template from a short cache: let this isolate see the change now.
    forgetProjectCampaigns(row.projectId);
    written.push(row.id);
  }
  log.info("template category update", { state: upcoming ? "upcoming" : "changed", to, templates: written.length });
  return { state: upcoming ? "upcoming" : "changed", templates: written };
}
