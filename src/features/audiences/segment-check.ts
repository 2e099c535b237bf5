import { and, eq } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { inJsonList } from "../../platform/db/json-list";
import { attributes, campaigns, runs, tags } from "../../platform/db/schema";
import { type FieldError, invalidFields } from "../../platform/errors";
import type { SegmentFilter } from "./segment";

/**
 * Checks that every tag, attribute, campaign and run a filter names exists in the project, so a
 * typo is a 400 when the segment is saved rather than a silently empty (or, for `notTags`,
 * silently everyone) audience when a campaign runs. Another project's campaigns and runs are
 * reported exactly like ones that do not exist. All lookups go in one D1 round trip.
 */
export async function checkSegmentReferences(db: Db, projectId: string, filter: SegmentFilter, prefix = "filter") {
  const tagNames = [...new Set([...(filter.tags ?? []), ...(filter.anyTags ?? []), ...(filter.notTags ?? [])])];
  const attributeNames = Object.keys(filter.attributes ?? {});
  const behaviour = filter.behaviour ?? [];
  const campaignIds = [...new Set(behaviour.map((b) => b.campaignId))];
  const runIds = [...new Set(behaviour.flatMap((b) => (b.runId === undefined ? [] : [b.runId])))];

  // Each list is ONE JSON parameter: three tag lists of 50 names would bind 150 one by one, and
  // D1 binds at most 100 per statement.
  const [foundTags, foundAttributes, foundCampaigns, foundRuns] = await db.batch([
    db
      .select({ name: tags.name })
      .from(tags)
      .where(and(eq(tags.projectId, projectId), inJsonList(tags.name, tagNames))),
    db
      .select({ name: attributes.name })
      .from(attributes)
      .where(and(eq(attributes.projectId, projectId), inJsonList(attributes.name, attributeNames))),
    db
      .select({ id: campaigns.id })
      .from(campaigns)
      .where(and(eq(campaigns.projectId, projectId), inJsonList(campaigns.id, campaignIds))),
    db
      .select({ id: runs.id, campaignId: runs.campaignId })
      .from(runs)
      .where(and(eq(runs.projectId, projectId), inJsonList(runs.id, runIds))),
  ]);

  const knownTags = new Set(foundTags.map((t) => t.name));
  const knownAttributes = new Set(foundAttributes.map((a) => a.name));
  const knownCampaigns = new Set(foundCampaigns.map((c) => c.id));
  const runCampaign = new Map(foundRuns.map((r) => [r.id, r.campaignId]));

  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field: `${prefix}.${field}`, in: "body", message });
  for (const key of ["tags", "anyTags", "notTags"] as const) {
    filter[key]?.forEach((name, i) => {
      if (!knownTags.has(name)) fail(`${key}.${i}`, `no tag named "${name}" is defined in this project`);
    });
  }
  for (const name of attributeNames) {
    if (!knownAttributes.has(name))
      fail(`attributes.${name}`, `no attribute named "${name}" is defined in this project`);
  }
  behaviour.forEach((b, i) => {
    if (!knownCampaigns.has(b.campaignId)) fail(`behaviour.${i}.campaignId`, "no such campaign in this project");
    else if (b.runId !== undefined && runCampaign.get(b.runId) !== b.campaignId)
      fail(`behaviour.${i}.runId`, "no such run of this campaign");
  });
  if (errors.length > 0) throw invalidFields(errors);
}
