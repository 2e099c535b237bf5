import { createRoute, z } from "@hono/zod-openapi";
import { asc, eq, sql } from "drizzle-orm";
import { requireAdmin } from "../../platform/auth/admin";
import type { Db } from "../../platform/db/client";
import { webhookFieldCounts } from "../../platform/db/schema";
import { router } from "../../platform/http/context";
import { AdminSecurity, errorResponses, jsonContent } from "../../platform/http/openapi";
import { iso } from "../../platform/time";

// Meta sends every field the app is subscribed to, including ones the product does not act on
// (`calls`, `history`, `smb_message_echoes`, …). Each such change is acknowledged and counted per
// project and field, never an error: the counts tell an operator what arrives unused.

/** Adds a payload's unused fields to the counts, one statement per field (a payload rarely has more than one). */
export async function countUnusedFields(
  db: Db,
  projectId: string,
  fields: ReadonlyMap<string, number>,
  now = Date.now(),
) {
  const [first, ...rest] = [...fields].map(([field, count]) =>
    db
      .insert(webhookFieldCounts)
      .values({ projectId, field, count, lastAt: now })
      .onConflictDoUpdate({
        target: [webhookFieldCounts.projectId, webhookFieldCounts.field],
        set: { count: sql`${webhookFieldCounts.count} + excluded.count`, lastAt: sql`excluded.last_at` },
      }),
  );
  if (first) await db.batch([first, ...rest]);
}

const FieldCountSchema = z
  .object({
    projectId: z.string().openapi({ example: "prj_0192f3c4a1b2c3d4e5f6a7b8" }),
    field: z.string().openapi({ description: "The webhook field Meta sent", example: "smb_message_echoes" }),
    count: z.number().int().openapi({ description: "Changes of this field received and acknowledged", example: 12 }),
    lastAt: z.iso.datetime().openapi({ description: "When the last one was applied" }),
  })
  .openapi("WebhookFieldCount");

const FieldCountQuery = z.object({
  projectId: z.string().min(1).max(64).optional().openapi({ description: "Only this project's counts" }),
});

const list = createRoute({
  method: "get",
  path: "/",
  tags: ["Operator"],
  summary: "Count webhook fields the product does not use",
  description:
    "Changes of webhook fields the product does not act on are acknowledged with 200 and counted here, per project and field, instead of failing. Fields it applies (`messages`, `user_preferences`, the template and account updates) are not counted.",
  security: AdminSecurity,
  request: { query: FieldCountQuery },
  responses: {
    200: jsonContent(z.object({ data: z.array(FieldCountSchema) }), "Counts, by project and field"),
    ...errorResponses(400, 401),
  },
});

export const webhookFieldRoutes = router(requireAdmin).openapi(list, async (c) => {
  const { projectId } = c.req.valid("query");
  const rows = await c.var.db
    .select()
    .from(webhookFieldCounts)
    .where(projectId === undefined ? undefined : eq(webhookFieldCounts.projectId, projectId))
    .orderBy(asc(webhookFieldCounts.projectId), asc(webhookFieldCounts.field))
    .limit(1000)
    .all();
  return c.json({ data: rows.map((r) => ({ ...r, lastAt: iso(r.lastAt) })) }, 200);
});
