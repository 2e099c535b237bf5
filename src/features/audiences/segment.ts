import { z } from "@hono/zod-openapi";
import { type SQL, sql } from "drizzle-orm";
import { refOfCampaign, runRefSql } from "../../platform/db/schema";
import { DefinitionName } from "../contacts/definitions";

// Bounds keep every segment's SQL under D1's 100 bound parameters per statement (lists travel as
// one JSON parameter each; an attribute costs 2, a behaviour condition at most 4), with room for
// the paging query around it.
const MAX_NAMES = 50;
const MAX_ATTRIBUTES = 10;
const MAX_BEHAVIOURS = 10;
const MAX_VALUES = 100;

const Names = (description: string) =>
  z
    .array(DefinitionName)
    .min(1)
    .max(MAX_NAMES)
    .optional()
    .openapi({ description, example: ["vip"] });

const Value = z.string().min(1).max(1024);
const OneOrMany = z.union([Value, z.array(Value).min(1).max(MAX_VALUES)]);

export const BEHAVIOURS = [
  "received",
  "read",
  "replied",
  "pressed",
  "not_received",
  "not_read",
  "not_replied",
] as const;

export const BehaviourCondition = z
  .strictObject({
    campaignId: z.string().min(1).max(100).openapi({ description: "A campaign of this project" }),
    runId: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: "Only this run of the campaign (default: any of its runs)" }),
    did: z.enum(BEHAVIOURS).openapi({
      description:
        "`received`: a message of the campaign reached sent, delivered or read. `read`: it was read. " +
        "`replied`: the contact answered one of its messages with text. `pressed`: the contact pressed " +
        "one of its quick-reply buttons (`button`: only that button, by its text). The `not_` forms " +
        "match contacts for whom that never happened, including those never sent the campaign.",
    }),
    button: z
      .string()
      .min(1)
      .max(25)
      .optional()
      .openapi({ description: "With `pressed` only: the button's text", example: "Yes please" }),
  })
  .refine((b) => b.button === undefined || b.did === "pressed", {
    message: "only goes with did: pressed",
    path: ["button"],
  })
  .openapi("SegmentBehaviour");

export type BehaviourCondition = z.infer<typeof BehaviourCondition>;

export const SegmentFilter = z
  .strictObject({
    tags: Names("Contacts with every one of these tags"),
    anyTags: Names("Contacts with at least one of these tags"),
    notTags: Names("Contacts with none of these tags"),
    source: OneOrMany.optional().openapi({
      description: "Contacts whose `source` is this value (or one of these values)",
      example: "Website lead",
    }),
    attributes: z
      .record(DefinitionName, OneOrMany)
      .refine((a) => Object.keys(a).length >= 1, "needs at least one attribute")
      .refine((a) => Object.keys(a).length <= MAX_ATTRIBUTES, `at most ${MAX_ATTRIBUTES} attributes`)
      .optional()
      .openapi({
        description: "Attribute values: the contact's value equals the given one (or one of the given ones)",
        example: { city: ["Pune", "Mumbai"] },
      }),
    optedOut: z.boolean().optional().openapi({
      description: "Opted-out contacts only (true) or opted-in ones only (false). Runs skip opted-out contacts anyway.",
    }),
    behaviour: z.array(BehaviourCondition).min(1).max(MAX_BEHAVIOURS).optional().openapi({
      description: "What contacts did with past campaigns",
    }),
  })
  .refine((f) => Object.values(f).some((v) => v !== undefined), {
    message: "needs at least one condition (the audience `all` already means every contact)",
    // A misspelt condition is reported as such, not also as a missing one.
    when: (payload) => payload.issues.length === 0,
  })
  .openapi("SegmentFilter", {
    description:
      "The rule of a segment audience; every condition given must hold (AND). Evaluated when a run starts, and when its contacts are listed.",
    example: { source: "Website lead", notTags: ["customer"] },
  });
export type SegmentFilter = z.infer<typeof SegmentFilter>;

/**
 * Per behaviour condition of a filter (in its order): the contacts of the statement's window that
 * runs kept in objects reached (./behaviour-reach.ts); undefined where the condition names none.
 */
export type Reached = (number[] | undefined)[];

const json = (values: (string | number)[]) => JSON.stringify(values);
const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
const inList = (values: (string | number)[]) => sql`(SELECT value FROM json_each(${json(values)}))`;

// A contact's tags and attributes are joined through the contact itself, so the conditions need
// no project id: contact_tags and contact_attributes only link rows of one project.
const tagCount = (names: string[]) =>
  sql`(SELECT count(*) FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.contact_id = c.id AND t.name IN ${inList(names)})`;

const SENT = sql.raw(`('sent', 'delivered', 'read')`);
const READ = sql.raw(`('read')`);

/**
 * A message of the campaign (or run) to the contact reached one of `statuses`. Broadcast
 * messages belong to runs, found through runs_project_campaign and then messages_run_number (one
 * index probe per run and contact). API-campaign messages have no run; their numbers are read once
 * per statement (an uncorrelated IN) rather than once per contact.
 */
function messaged(b: BehaviourCondition, statuses: SQL, reached: number[] | undefined): SQL {
  // Runs kept in objects: the window's contacts their objects reached (./behaviour-reach.ts).
  const inObjects = reached === undefined ? sql`` : sql` OR c.id IN ${inList(reached)}`;
  const inRuns = sql`EXISTS (SELECT 1 FROM runs r JOIN messages m ON m.run_id = ${sql.raw(runRefSql("r"))} WHERE r.project_id = c.project_id AND r.campaign_id = ${b.campaignId}${b.runId === undefined ? sql`` : sql` AND r.id = ${b.runId}`} AND m.number = c.number AND m.status IN ${statuses})`;
  if (b.runId !== undefined) return sql`(${inRuns}${inObjects})`;
  // The unary `+` keeps SQLite from driving the outer scan (or this one) by those columns' indexes.
  return sql`(${inRuns} OR +c.number IN (SELECT m.number FROM messages m WHERE m.campaign_id = ${refOfCampaign(b.campaignId)} AND m.run_id IS NULL AND +m.status IN ${statuses})${inObjects})`;
}

/** The contact answered the campaign (or run): responses_number finds its answers. */
function answered(b: BehaviourCondition, kinds: SQL, button?: string): SQL {
  return sql`EXISTS (SELECT 1 FROM responses r WHERE r.project_id = c.project_id AND r.number = c.number AND r.campaign_id = ${b.campaignId}${b.runId === undefined ? sql`` : sql` AND r.run_id = ${b.runId}`} AND r.kind IN ${kinds}${button === undefined ? sql`` : sql` AND r.text = ${button}`})`;
}

function behaviourCondition(b: BehaviourCondition, reached: number[] | undefined): SQL {
  switch (b.did) {
    case "received":
      return messaged(b, SENT, reached);
    case "not_received":
      return sql`NOT ${messaged(b, SENT, reached)}`;
    case "read":
      return messaged(b, READ, reached);
    case "not_read":
      return sql`NOT ${messaged(b, READ, reached)}`;
    case "replied":
      return answered(b, sql.raw(`('text')`));
    case "not_replied":
      return sql`NOT ${answered(b, sql.raw(`('text')`))}`;
    case "pressed":
      return answered(b, sql.raw(`('button', 'interactive')`), b.button);
  }
}

/**
 * The condition a contact (table alias `c`) must meet to be in the segment. Every part is an
 * indexed lookup per contact (or a set read once per statement), so a keyset page over contacts
 * costs what it scans. The filter must have passed `checkSegmentReferences` when it was saved.
 * `reached`: what runs kept in objects answered for the contacts the statement reads
 * (./behaviour-reach.ts); without it such runs count as never having messaged anyone.
 */
export function segmentCondition(projectId: string, filter: SegmentFilter, reached: Reached = []): SQL {
  const parts: SQL[] = [];
  // Pages are read in contact id order: one source is served in that order by
  // contacts_project_source, anything else by contacts_project_id (project, id) as a range.
  parts.push(sql`c.project_id = ${projectId}`);
  if (typeof filter.source === "string") parts.push(sql`c.source = ${filter.source}`);
  else if (filter.source !== undefined) parts.push(sql`c.source IN ${inList(filter.source)}`);
  if (filter.tags) {
    const names = [...new Set(filter.tags)];
    parts.push(sql`${tagCount(names)} = ${names.length}`);
  }
  if (filter.anyTags) parts.push(sql`${tagCount(filter.anyTags)} > 0`);
  if (filter.notTags) parts.push(sql`${tagCount(filter.notTags)} = 0`);
  for (const [name, value] of Object.entries(filter.attributes ?? {})) {
    parts.push(
      sql`EXISTS (SELECT 1 FROM contact_attributes ca JOIN attributes a ON a.id = ca.attribute_id WHERE ca.contact_id = c.id AND a.name = ${name} AND ca.value IN ${inList(list(value))})`,
    );
  }
  if (filter.optedOut !== undefined) parts.push(sql`c.opted_out = ${filter.optedOut ? 1 : 0}`);
  (filter.behaviour ?? []).forEach((b, i) => {
    parts.push(behaviourCondition(b, reached[i]));
  });
  return sql.join(parts, sql` AND `);
}
