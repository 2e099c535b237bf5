import { and, asc, eq, getTableColumns, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import type { Transition } from "../../platform/db/schema";
import { campaignOf, ledgerOutbox, messageEvents, messages, runIdOf, templateOfSql } from "../../platform/db/schema";
import type { TemplateMessage } from "../../whatsapp/provider";
import { logMoves, newTx } from "./log";
import { historyOf, STEP } from "./trail";

export interface NewMessage {
  id?: string;
  projectId: string;
  number: string;
  templateId: string | null;
  payload: TemplateMessage;
  campaignId?: string | null;
  runId?: string | null;
}

/**
 * Records a message once: a queue redelivery that inserts the same id again changes nothing (and
 * logs no second move). `skipReason` records it as skipped instead of queued.
 */
export async function insertMessageOnce(
  db: Db,
  input: NewMessage & { id: string; skipReason?: string },
): Promise<Transition | null> {
  const now = Date.now();
  const status = input.skipReason ? "skipped" : "queued";
  const tx = newTx();
  const [inserted] = await db.batch([
    db
      .insert(messages)
      .values({
        id: input.id,
        projectId: input.projectId,
        number: input.number,
        templateId: input.templateId,
        campaignId: input.campaignId ?? null,
        runId: input.runId ?? null,
        payload: input.payload,
        status,
        skipReason: input.skipReason ?? null,
        createdAt: now,
        updatedAt: now,
        trail: STEP[status],
        tx,
      })
      .onConflictDoNothing()
      .returning({ id: messages.id }),
    logMoves(db, tx, [[input.id, null, status]]),
  ]);
  if (inserted.length === 0) return null;
  return {
    messageId: input.id,
    projectId: input.projectId,
    campaignId: input.campaignId ?? null,
    runId: input.runId ?? null,
    from: null,
    to: status,
  };
}

export async function getMessage(db: Db, projectId: string, id: string) {
  const [rows, events, outbox] = await db.batch([
    db
      .select({
        ...getTableColumns(messages),
        campaignId: campaignOf(),
        runId: runIdOf(),
        templateId: sql<string | null>`${sql.raw(templateOfSql())}`,
      })
      .from(messages)
      .where(and(eq(messages.id, id), eq(messages.projectId, projectId))),
    db
      .select()
      .from(messageEvents)
      .where(
        and(
          eq(messageEvents.messageId, id),
          // Scoped through the message so another project's id reveals nothing.
          sql`EXISTS (SELECT 1 FROM messages m WHERE m.id = ${id} AND m.project_id = ${projectId})`,
        ),
      )
      .orderBy(asc(messageEvents.id)),
    db.select({ legacyThrough: ledgerOutbox.legacyThrough }).from(ledgerOutbox),
  ]);
  const row = rows[0];
  if (!row) return null;
  return { row, history: historyOf(row, events, outbox[0]?.legacyThrough ?? 0) };
}
