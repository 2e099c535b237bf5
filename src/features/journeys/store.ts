import { and, asc, eq, gt, type SQL } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { inJsonList } from "../../platform/db/json-list";
import { journeys } from "../../platform/db/schema";
import type { CreateJourney, JourneyRow, JourneyStep } from "./schemas";

/** Inserts a journey; null when the project already has one with this id. */
export async function insertJourney(db: Db, projectId: string, input: CreateJourney): Promise<JourneyRow | null> {
  const now = Date.now();
  const steps: JourneyStep[] = input.messages.map((m) => ({ type: "text", text: m.text }));
  const [row] = await db
    .insert(journeys)
    .values({
      projectId,
      id: input.id,
      name: input.name,
      description: input.description ?? null,
      steps,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing({ target: [journeys.projectId, journeys.id] })
    .returning();
  return row ?? null;
}

/** A page of the project's journeys, oldest first: `limit + 1` rows, for `toPage` (keyed by pk). */
export function listJourneys(db: Db, projectId: string, afterPk: number | undefined, limit: number) {
  const conditions: SQL[] = [eq(journeys.projectId, projectId)];
  if (afterPk !== undefined) conditions.push(gt(journeys.pk, afterPk));
  return db
    .select()
    .from(journeys)
    .where(and(...conditions))
    .orderBy(asc(journeys.pk))
    .limit(limit + 1);
}

export async function getJourney(db: Db, projectId: string, id: string): Promise<JourneyRow | null> {
  const [row] = await db
    .select()
    .from(journeys)
    .where(and(eq(journeys.projectId, projectId), eq(journeys.id, id)));
  return row ?? null;
}

/** The journeys of a project with these ids, in one query; ids it has none of are absent. */
export async function journeysByIds(db: Db, projectId: string, ids: string[]): Promise<Map<string, JourneyRow>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db
    .select()
    .from(journeys)
    .where(
      and(
        eq(journeys.projectId, projectId),
        // One JSON parameter for the ids, however many: D1 binds at most 100 per statement.
        inJsonList(journeys.id, unique),
      ),
    );
  return new Map(rows.map((row) => [row.id, row]));
}

/** Deletes a journey, returning it; null when the project has none with this id. */
export async function deleteJourney(db: Db, projectId: string, id: string): Promise<JourneyRow | null> {
  const [row] = await db
    .delete(journeys)
    .where(and(eq(journeys.projectId, projectId), eq(journeys.id, id)))
    .returning();
  return row ?? null;
}
