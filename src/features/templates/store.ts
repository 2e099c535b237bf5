import { z } from "@hono/zod-openapi";
import { and, asc, eq, gt } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { templates } from "../../platform/db/schema";
import { newId } from "../../platform/ids";
import { iso } from "../../platform/time";
import {
  PARAMETER_FORMATS,
  type RemoteTemplate,
  TEMPLATE_CATEGORIES,
  TEMPLATE_STATUSES,
  type TemplateDefinition,
  type TemplateParams,
  type TemplateStatus,
} from "../../whatsapp/provider";
import { metaStateView } from "./meta-state";
import {
  BodySchema,
  ButtonSchema,
  CardSchema,
  FooterSchema,
  HeaderSchema,
  type Template,
  TemplateSchema,
} from "./schemas";
import { templateParams } from "./send-rules";

// D1 access for templates. Every function takes the project id and filters by it, so no caller can
// reach another project's rows by id.

export type TemplateRow = typeof templates.$inferSelect;

/** Like the other public ids: creation time in hex first, so ids sort oldest first. */
export const newTemplateId = () => newId("tpl");

/** The API's view of a row, parsed through the response schema so that no internal column leaks. */
export function toTemplate(row: TemplateRow): Template {
  const definition = row.definition as TemplateDefinition;
  return TemplateSchema.parse({
    id: row.id,
    name: row.name,
    language: row.language,
    category: row.category,
    parameterFormat: definition.parameterFormat ?? "POSITIONAL",
    status: row.status,
    rejectedReason: row.rejectedReason,
    header: definition.header ?? null,
    body: definition.body,
    footer: definition.footer ?? null,
    buttons: definition.buttons ?? [],
    ...(definition.authentication ? { authentication: definition.authentication } : {}),
    ...(definition.offer ? { offer: definition.offer } : {}),
    ...(definition.cards ? { cards: definition.cards } : {}),
    params: row.params as TemplateParams,
    ...presentOnly(metaStateView(row)),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  });
}

const presentOnly = <T extends Record<string, unknown>>(fields: T) =>
  Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null)) as Partial<{
    [K in keyof T]: NonNullable<T[K]>;
  }>;

export async function findTemplateByName(db: Db, projectId: string, name: string, language: string) {
  return db
    .select()
    .from(templates)
    .where(and(eq(templates.projectId, projectId), eq(templates.name, name), eq(templates.language, language)))
    .get();
}

export async function getTemplate(db: Db, projectId: string, id: string) {
  return db
    .select()
    .from(templates)
    .where(and(eq(templates.projectId, projectId), eq(templates.id, id)))
    .get();
}

export interface NewTemplate {
  definition: TemplateDefinition;
  status: TemplateStatus;
  rejectedReason: string | null;
  providerTemplateId: string | null;
}

const rowValues = (projectId: string, input: NewTemplate, now: number) => ({
  id: newTemplateId(),
  projectId,
  name: input.definition.name,
  language: input.definition.language,
  category: input.definition.category,
  status: input.status,
  rejectedReason: input.rejectedReason,
  providerTemplateId: input.providerTemplateId,
  definition: input.definition,
  params: templateParams(input.definition),
  createdAt: now,
  updatedAt: now,
});

/** Inserts a template; undefined when the project already has one with that name and language. */
export async function insertTemplate(db: Db, projectId: string, input: NewTemplate): Promise<TemplateRow | undefined> {
  return db
    .insert(templates)
    .values(rowValues(projectId, input, Date.now()))
    .onConflictDoNothing()
    .returning()
    .get();
}

export interface TemplateFilter {
  status?: TemplateStatus;
  name?: string;
}

/** `limit + 1` rows after `afterId`, oldest first, for toPage. */
export async function listTemplates(
  db: Db,
  projectId: string,
  filter: TemplateFilter,
  afterId: string | undefined,
  limit: number,
) {
  return db
    .select()
    .from(templates)
    .where(
      and(
        eq(templates.projectId, projectId),
        filter.status === undefined ? undefined : eq(templates.status, filter.status),
        filter.name === undefined ? undefined : eq(templates.name, filter.name),
        afterId === undefined ? undefined : gt(templates.id, afterId),
      ),
    )
    .orderBy(asc(templates.id))
    .limit(limit + 1)
    .all();
}

export async function deleteTemplate(db: Db, projectId: string, id: string) {
  return db
    .delete(templates)
    .where(and(eq(templates.projectId, projectId), eq(templates.id, id)))
    .returning()
    .get();
}

/** JSON with sorted keys, so that two definitions compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

// Statements per D1 batch: each is one round trip's worth of work, and a batch is atomic.
const SYNC_BATCH = 50;

export interface SyncCounts {
  created: number;
  updated: number;
  unchanged: number;
}

// What a stored definition must look like for the API to answer it. A provider's template that does
// not fit (a button type this API does not define, say) is skipped rather than stored: one such row
// would otherwise break every listing that includes it.
const StorableTemplate = z.object({
  status: z.enum(TEMPLATE_STATUSES),
  definition: z.object({
    name: z.string().min(1),
    language: z.string().min(1),
    category: z.enum(TEMPLATE_CATEGORIES),
    parameterFormat: z.enum(PARAMETER_FORMATS).optional(),
    header: HeaderSchema.optional(),
    body: BodySchema,
    footer: FooterSchema.optional(),
    buttons: z.array(ButtonSchema).optional(),
    authentication: z
      .object({ securityRecommendation: z.boolean(), codeExpirationMinutes: z.number().optional() })
      .optional(),
    offer: z.object({ text: z.string(), hasExpiration: z.boolean() }).optional(),
    cards: z.array(CardSchema).optional(),
  }),
});

/**
 * Brings the project's table in line with the provider's list: a template is matched by name and
 * language; new ones are added, changed ones updated (status, reason, provider id, definition,
 * params). Templates whose definition this API cannot represent are skipped and returned as such.
 * Templates the provider does not list are left alone: the sandbox lists none, and a
 * template deleted at Meta is removed through its status webhook.
 */
export async function syncTemplates(
  db: Db,
  projectId: string,
  remote: RemoteTemplate[],
): Promise<SyncCounts & { skipped: { name: string; language: string }[] }> {
  const existing = await db.select().from(templates).where(eq(templates.projectId, projectId)).all();
  const byKey = new Map(existing.map((row) => [`${row.name}\u0000${row.language}`, row]));
  const skipped: { name: string; language: string }[] = [];
  const storable = remote.filter((t) => {
    if (StorableTemplate.safeParse(t).success) return true;
    skipped.push({ name: String(t.definition?.name), language: String(t.definition?.language) });
    return false;
  });
  const latest = new Map(storable.map((t) => [`${t.definition.name}\u0000${t.definition.language}`, t]));
  const counts: SyncCounts = { created: 0, updated: 0, unchanged: 0 };
  const now = Date.now();
  const statements = [];
  for (const [key, template] of latest) {
    const row = byKey.get(key);
    const values = {
      category: template.definition.category,
      status: template.status,
      rejectedReason: template.rejectedReason,
      providerTemplateId: template.providerTemplateId,
      definition: template.definition,
      params: templateParams(template.definition),
    };
    if (!row) {
      counts.created++;
      statements.push(
        db
          .insert(templates)
          .values(rowValues(projectId, { ...values, definition: template.definition }, now))
          .onConflictDoNothing(),
      );
      continue;
    }
    const same =
      row.category === values.category &&
      row.status === values.status &&
      row.rejectedReason === values.rejectedReason &&
      row.providerTemplateId === values.providerTemplateId &&
      canonical(row.definition) === canonical(values.definition) &&
      canonical(row.params) === canonical(values.params);
    if (same) {
      counts.unchanged++;
      continue;
    }
    counts.updated++;
    statements.push(
      db
        .update(templates)
        .set({ ...values, updatedAt: now })
        .where(and(eq(templates.projectId, projectId), eq(templates.id, row.id))),
    );
  }
  for (let i = 0; i < statements.length; i += SYNC_BATCH) {
    const chunk = statements.slice(i, i + SYNC_BATCH);
    const [first, ...rest] = chunk;
    if (first) await db.batch([first, ...rest]);
  }
  return { ...counts, skipped };
}
