import { z } from "@hono/zod-openapi";
import { type SQL, sql } from "drizzle-orm";

// PLACEHOLDER owned by the audiences work: the full segment filter (tags, source, attribute
// values, past-campaign behaviour) replaces this.
export const SegmentFilter = z.object({ source: z.string().min(1).max(200).optional() });
export type SegmentFilter = z.infer<typeof SegmentFilter>;

/** The condition a contact (table alias `c`) must meet to be in the segment. */
export function segmentCondition(projectId: string, filter: SegmentFilter): SQL {
  void projectId;
  return filter.source === undefined ? sql`1 = 1` : sql`c.source = ${filter.source}`;
}
