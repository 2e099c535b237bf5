import { sql } from "drizzle-orm";
import type { Db } from "./client";
import { jsonList } from "./json-list";
import { campaignRefSql, runRefSql, templateRefs as templateRefsTable } from "./schema";

// A broadcast run's messages name their run by its short `ref` and leave their campaign to it; an
// API campaign's messages name their campaign by its short `ref`, and their template by its row in
// `template_refs` (src/platform/db/schema/runs.ts, campaigns.ts, templates.ts, messages.ts). Code that reads many messages at once (a claim, an outbox page, a
// persist) names their runs and campaigns here instead of with a lookup per message: a run or
// campaign never changes its ref or id, a run never changes its campaign, and none of them (nor a
// template's ref) is ever deleted, so what an isolate remembers never goes stale, and a run's or campaign's pages cost
// one read of its row per isolate, whatever their size.

/** A run as its messages name it. */
export interface NamedRun {
  id: string;
  campaignId: string;
}

const REMEMBERED = 10_000;
const knownRuns = new Map<string, NamedRun>();
// Both directions of campaigns' refs: ref → public id and public id → ref.
const campaignIds = new Map<string, string>();
const campaignRefsById = new Map<string, string>();
const templateRefsById = new Map<string, string>();

function remember<V>(known: Map<string, V>, entries: [string, V][]): void {
  if (known.size + entries.length > REMEMBERED) known.clear();
  for (const [k, v] of entries) known.set(k, v);
}

/**
 * The runs named by `refs` (messages' `run_id` values: a run's ref, or its id for a run created
 * before refs), one read for those not remembered. A value no run carries is left out.
 */
export async function namedRuns(db: Db, refs: Iterable<string>): Promise<Map<string, NamedRun>> {
  const wanted = new Set(refs);
  const missing = [...wanted].filter((ref) => !knownRuns.has(ref));
  if (missing.length > 0) {
    const rows = await db.all<{ ref: string; id: string; campaign_id: string }>(
      sql`SELECT j.value AS ref, r.id, r.campaign_id FROM ${jsonList(missing, "j")} CROSS JOIN runs r WHERE ${sql.raw(runRefSql("r"))} = j.value`,
    );
    remember(
      knownRuns,
      rows.map((r): [string, NamedRun] => [r.ref, { id: r.id, campaignId: r.campaign_id }]),
    );
  }
  const found = new Map<string, NamedRun>();
  for (const ref of wanted) {
    const run = knownRuns.get(ref);
    if (run) found.set(ref, run);
  }
  return found;
}

/**
 * The public ids of the campaigns named by `refs` (messages' `campaign_id` values: an API
 * campaign's ref, or an id), one read for the refs not remembered. An id stands for itself; a
 * ref no campaign carries is left out.
 */
export async function namedCampaigns(db: Db, refs: Iterable<string>): Promise<Map<string, string>> {
  const wanted = new Set(refs);
  const missing = [...wanted].filter((ref) => !ref.startsWith("cmp_") && !campaignIds.has(ref));
  if (missing.length > 0) {
    const rows = await db.all<{ ref: string; id: string }>(
      sql`SELECT j.value AS ref, c.id FROM ${jsonList(missing, "j")} CROSS JOIN campaigns c WHERE ${sql.raw(campaignRefSql("c"))} = j.value`,
    );
    remember(
      campaignIds,
      rows.map((r): [string, string] => [r.ref, r.id]),
    );
  }
  const found = new Map<string, string>();
  for (const ref of wanted) {
    const id = ref.startsWith("cmp_") ? ref : campaignIds.get(ref);
    if (id !== undefined) found.set(ref, id);
  }
  return found;
}

/**
 * What the messages of the campaigns with public ids `ids` carry in their `campaign_id` (their
 * ref, or the id for a campaign created before refs or one with no row), one read for the ids not
 * remembered.
 */
export async function campaignRefs(db: Db, ids: Iterable<string>): Promise<Map<string, string>> {
  const wanted = new Set(ids);
  const missing = [...wanted].filter((id) => !campaignRefsById.has(id));
  if (missing.length > 0) {
    const rows = await db.all<{ id: string; ref: string }>(
      sql`SELECT j.value AS id, ${sql.raw(campaignRefSql("c"))} AS ref FROM ${jsonList(missing, "j")} CROSS JOIN campaigns c WHERE c.id = j.value`,
    );
    const refs = new Map(rows.map((r) => [r.id, r.ref]));
    remember(
      campaignRefsById,
      missing.map((id): [string, string] => [id, refs.get(id) ?? id]),
    );
  }
  return new Map([...wanted].map((id) => [id, campaignRefsById.get(id) ?? id]));
}

/**
 * What the messages of the templates with ids `ids` carry in their `template_id`: each template's
 * number in `template_refs`, made the first time it is asked for. One statement for the ids not
 * remembered (an upsert that answers with the numbers old and new), none for the rest.
 */
export async function templateRefs(db: Db, ids: Iterable<string>): Promise<Map<string, string>> {
  const wanted = new Set(ids);
  const missing = [...wanted].filter((id) => !templateRefsById.has(id));
  if (missing.length > 0) {
    // The no-op update makes RETURNING answer for the templates that already had a number too.
    const rows = await db
      .insert(templateRefsTable)
      .select(sql`SELECT NULL, value FROM json_each(${JSON.stringify(missing)}) WHERE true`)
      .onConflictDoUpdate({ target: templateRefsTable.templateId, set: { templateId: sql`excluded.template_id` } })
      .returning({ templateId: templateRefsTable.templateId, ref: templateRefsTable.ref });
    remember(
      templateRefsById,
      rows.map((r): [string, string] => [r.templateId, String(r.ref)]),
    );
  }
  return new Map([...wanted].map((id) => [id, templateRefsById.get(id) ?? id]));
}
