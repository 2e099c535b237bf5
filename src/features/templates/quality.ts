import { eq } from "drizzle-orm";
import { templates } from "../../platform/db/schema";
import type { StoredQuality } from "./meta-state";
import { QualityUpdateValue, templateRef, upper } from "./meta-values";
import { findTemplatesForUpdate } from "./status";
import type { MetaChange, MetaChangeDeps } from "./status-webhook";

/**
 * `message_template_quality_update`: the template's quality score (GREEN, YELLOW, RED, UNKNOWN),
 * shown with it. The score changes no status: Meta pauses or disables a template by its own
 * status event when quality stays low.
 */
export async function onTemplateQualityChange(
  deps: MetaChangeDeps,
  change: MetaChange,
): Promise<{ templates: string[]; ignored?: "unreadable" | "unknown_account" | "not_found" }> {
  const parsed = QualityUpdateValue.safeParse(change.value);
  const score = parsed.success ? upper(parsed.data.new_quality_score) : null;
  if (!parsed.success || !score) return { templates: [], ignored: "unreadable" };
  const { rows, ignored } = await findTemplatesForUpdate(deps.db, {
    projectId: change.projectId,
    wabaId: change.wabaId,
    ...templateRef(parsed.data),
  });
  if (ignored) return { templates: [], ignored };
  const now = Date.now();
  const quality: StoredQuality = { score, previous: upper(parsed.data.previous_quality_score), at: now };
  for (const row of rows) {
    await deps.db.update(templates).set({ quality, updatedAt: now }).where(eq(templates.id, row.id)).run();
  }
  return { templates: rows.map((r) => r.id) };
}
