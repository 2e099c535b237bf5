import { type SQL, sql } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { Db } from "../../platform/db/client";
import { ApiError, fieldError } from "../../platform/errors";
import { US_MARKETING_PAUSED_REASON, usAreaCodeList } from "../../whatsapp/us-marketing-pause";
import { behaviourReach, type Ledgers } from "../audiences/behaviour-reach";
import { type AudienceTarget, resolveAudiences, SEGMENT_SCAN, scanWindow } from "../audiences/members";
import { type Reached, segmentCondition } from "../audiences/segment";
import { type BroadcastCampaign, groupRefsOf } from "../broadcast-messages/campaign";
import { splitRefKey, urlPlaceholder } from "../broadcast-messages/placeholders";
import { groupsByRef } from "../variable-groups/store";

// D1 binds at most 100 parameters per statement.
const D1_MAX_PARAMETERS = 100;
const dialect = new SQLiteAsyncDialect();

export interface DryRun {
  recipients: number;
  wouldSend: number;
  skipped: { opted_out: number; us_marketing_paused: number; missing_variable: Record<string, number> };
  templateStatus: string | null;
}

function targetCondition(projectId: string, target: AudienceTarget, reached: Reached | undefined): SQL {
  if (target.kind === "all") return sql`1 = 1`;
  if (target.kind === "list")
    return sql`c.id IN (SELECT contact_id FROM audience_members WHERE audience_pk = ${target.pk})`;
  return sql`(${segmentCondition(projectId, target.filter, reached)})`;
}

// The same test recipientMessage (src/features/broadcast-messages/campaign.ts) applies in JavaScript: a value that
// is missing, blank, or holds a new line, a tab or five spaces in a row cannot be sent.
const BLANKS = sql`' ' || char(9) || char(10) || char(11) || char(12) || char(13)`;
const unsendable = (value: SQL, noSpaces: boolean) =>
  sql`(${value} IS NULL OR trim(${value}, ${BLANKS}) = '' OR instr(${value}, char(10)) > 0 OR instr(${value}, char(9)) > 0 OR instr(${value}, '     ') > 0${
    noSpaces ? sql` OR instr(${value}, ' ') > 0 OR instr(${value}, char(13)) > 0` : sql``
  })`;

// The test isUsNumber (src/whatsapp/us-marketing-pause.ts) applies in JavaScript, on the same area
// codes, which travel as ONE JSON parameter.
const usNumber = (number: SQL) =>
  sql`(length(${number}) = 12 AND substr(${number}, 1, 2) = '+1' AND substr(${number}, 3, 3) IN (SELECT value FROM json_each(${JSON.stringify(usAreaCodeList())})))`;

/**
 * What a run of `campaign` to `audiences` would do, counted in ONE aggregate query and with no
 * message written. Contacts are read once whatever the number of audiences naming them (the
 * audiences are OR-ed), so `recipients` is after deduplication, as a run's (run, number) index
 * makes it. Each contact is then classified exactly as the fan-out classifies it: opted out first,
 * then (a marketing campaign while Meta's pause holds) a US number, then the first variable
 * (message order, then url buttons) without a sendable value.
 *
 * Cost: the query walks the audience on its indexes (audience_members by audience, contacts by
 * primary key) and probes variable_values by its (group, number) primary key once per group:
 * linear in the audience, constant memory, nothing but the counts leaves D1. A 100,000-contact
 * audience is one query of a few hundred milliseconds on D1.
 */
export async function dryRun(
  db: Db,
  campaign: BroadcastCampaign,
  audienceRefs: string[],
  options: { usMarketingPaused: boolean },
  ledgers: Ledgers,
): Promise<DryRun> {
  if (audienceRefs.length === 0) throw fieldError("audiences", 'name at least one audience, or "all"');
  const { targets, unknown } = await resolveAudiences(db, campaign.projectId, audienceRefs);
  if (unknown.length > 0)
    throw fieldError("audiences", `no audience with this id or unique name: ${unknown.join(", ")}`);

  const groups = await groupsByRef(db, campaign.projectId, groupRefsOf(campaign));
  const aliases = new Map<string, string>();
  const joins: SQL[] = [];
  for (const [ref, group] of groups) {
    const alias = `v${aliases.size}`;
    aliases.set(ref, alias);
    joins.push(
      sql`LEFT JOIN variable_values ${sql.raw(alias)} ON ${sql.raw(alias)}.group_pk = ${group.pk} AND ${sql.raw(alias)}.number = c.number`,
    );
  }
  const urlVariables = campaign.buttons
    .flatMap((b) => (b.type === "url" ? [urlPlaceholder(b.url).variable ?? []] : []))
    .flat();
  const checks = [
    ...campaign.variables.map((ref) => ({ ref, noSpaces: false })),
    ...urlVariables.map((ref) => ({ ref, noSpaces: true })),
  ];
  const reasons = checks.map(({ ref, noSpaces }) => {
    const { group, field } = splitRefKey(ref);
    const alias = aliases.get(group);
    const missing = alias
      ? unsendable(sql`${sql.raw(alias)}."values" ->> ${`$.${JSON.stringify(field)}`}`, noSpaces)
      : sql`1`;
    return sql`WHEN ${missing} THEN ${`missing_variable:${ref}`}`;
  });
  const usPaused =
    options.usMarketingPaused && campaign.category === "MARKETING"
      ? sql`WHEN ${usNumber(sql`c.number`)} THEN ${US_MARKETING_PAUSED_REASON}`
      : sql``;
  const reason = sql`CASE WHEN c.opted_out = 1 THEN 'opted_out' ${usPaused} ${sql.join(reasons, sql` `)} ELSE NULL END`;
  /** The count over contacts (after, through] (every contact without a window), with what the objects reached. */
  const count = (window: { after: number; through: number } | null, reached: (Reached | undefined)[]) => {
    const where = sql.join(
      targets.map((t, i) => targetCondition(campaign.projectId, t, reached[i])),
      sql` OR `,
    );
    const bounds = window ? sql` AND c.id > ${window.after} AND c.id <= ${window.through}` : sql``;
    return sql`SELECT ${reason} AS reason, count(*) AS n FROM contacts c ${sql.join(joins, sql` `)}
        WHERE c.project_id = ${campaign.projectId}${bounds} AND (${where}) GROUP BY 1`;
  };
  // Several large segments OR-ed together can need more parameters than D1 binds; that is the
  // caller's request being too big for one count, not a server failure.
  const bound = dialect.sqlToQuery(count({ after: 0, through: 0 }, [])).params.length;
  if (bound > D1_MAX_PARAMETERS) {
    const message = `these audiences' filters together are too large to count at once (${bound} query parameters; at most ${D1_MAX_PARAMETERS}): dry-run fewer audiences per request`;
    throw new ApiError("unprocessable", `audiences: ${message}`, {
      fields: [{ field: "audiences", in: "body", message }],
    });
  }
  // Segments whose conditions name runs kept in objects are counted a window of contacts at a
  // time, each window asked of those objects first (src/features/audiences/behaviour-reach.ts).
  const reaches = await Promise.all(
    targets.map((t) => (t.kind === "segment" ? behaviourReach(ledgers, db, campaign.projectId, t.filter) : undefined)),
  );
  const rows: { reason: string | null; n: number }[] = [];
  if (reaches.every((r) => r === undefined))
    rows.push(...(await db.all<{ reason: string | null; n: number }>(count(null, []))));
  else {
    for (let after = 0; ; ) {
      const { last } = await scanWindow(db, campaign.projectId, after, SEGMENT_SCAN);
      if (last === null) break;
      const reached = await Promise.all(reaches.map((reach) => reach?.(after, last)));
      rows.push(...(await db.all<{ reason: string | null; n: number }>(count({ after, through: last }, reached))));
      after = last;
    }
  }

  const result: DryRun = {
    recipients: 0,
    wouldSend: 0,
    skipped: { opted_out: 0, us_marketing_paused: 0, missing_variable: {} },
    templateStatus: campaign.templateStatus,
  };
  for (const { reason: why, n } of rows) {
    result.recipients += n;
    if (why === null) result.wouldSend += n;
    else if (why === "opted_out") result.skipped.opted_out += n;
    else if (why === US_MARKETING_PAUSED_REASON) result.skipped.us_marketing_paused += n;
    else {
      const ref = why.slice("missing_variable:".length);
      result.skipped.missing_variable[ref] = (result.skipped.missing_variable[ref] ?? 0) + n;
    }
  }
  // A template deleted since the campaign was made sends nothing (the fan-out skips everyone).
  if (campaign.templateName === null) result.wouldSend = 0;
  return result;
}
