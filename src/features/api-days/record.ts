import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { inJsonList } from "../../platform/db/json-list";
import { templateRefs } from "../../platform/db/refs";
import { contacts } from "../../platform/db/schema";
import { ledgerMessageId, parseLedgerMessageId } from "../../platform/ids";
import type { ApiSendJob } from "../../queues/contracts";
import type { TemplateMessage } from "../../whatsapp/provider";
import { resolveKnown } from "../contacts/store";
import { upsertContactsStatements } from "../contacts/upsert-many";
import { sharePayloads } from "../messages/payload";
import { runLedger } from "../run-ledger";
import type { DayRecipient } from "../run-ledger/day";

const OPTED_OUT_REASON: NonNullable<ApiSendJob["skipReason"]> = "opted_out";

/**
 * One JSON value of a record call at most: half a Durable Object's limit for a string (2,000,000
 * bytes), for what a send adds beside its payload.
 */
const RECORD_BYTES = 1_000_000;

/** `recipients` in runs whose payloads stay under RECORD_BYTES (one each at least; a character
 * is at most 3 bytes of UTF-8). */
function inValueSized(recipients: DayRecipient[]): DayRecipient[][] {
  const calls: DayRecipient[][] = [[]];
  let bytes = 0;
  for (const r of recipients) {
    const size = 200 + (r.payload?.length ?? 0) * 3;
    const current = calls.at(-1) as DayRecipient[];
    if (current.length > 0 && bytes + size > RECORD_BYTES) {
      calls.push([r]);
      bytes = size;
    } else {
      current.push(r);
      bytes += size;
    }
  }
  return calls;
}

/** Whether an API send's id names a slot of its campaign's day (not a random id kept in D1). */
export const inApiDay = (job: ApiSendJob) => parseLedgerMessageId(job.messageId) !== null;

/** A day's message claimed to be sent now, as the sends consumer takes it. */
export interface DayClaim {
  id: string;
  claimedAt: number;
  payload: TemplateMessage;
  campaignId: string;
  /** The day's row in `runs`: outcomes are recorded in its object. */
  runId: string;
  attempts: number;
}

/**
 * Records API sends whose ids name their campaign's day (src/features/run-ledger/day.ts), for jobs
 * of one project: the contacts in D1 first (one batch, with the numbers that opted out, so a
 * MARKETING send to one is skipped: the contact row is the authority, the request only had a
 * snapshot), then each day's sends in one call to its object, claimed to be sent at once. Safe to
 * run again: a send recorded before is claimed again only if it was given back unsent. Returns the
 * claims by message id; a send not among them is skipped, or sending or settled already.
 */
export async function recordApiDays(
  env: Pick<Env, "RUN_LEDGER">,
  db: Db,
  jobs: ApiSendJob[],
): Promise<Map<string, DayClaim>> {
  const recorded = new Map<string, DayClaim>();
  const projectId = jobs[0]?.projectId;
  if (projectId === undefined) return recorded;
  const known = await resolveKnown(
    db,
    projectId,
    jobs.flatMap((j) => j.contact.tags ?? []),
    jobs.flatMap((j) => Object.keys(j.contact.attributes ?? {})),
  );
  const marketing = [...new Set(jobs.filter((j) => j.category === "MARKETING").map((j) => j.contact.number))];
  // Who opted out is read only when the batch has marketing sends: a utility batch costs the
  // contacts' statements alone.
  const statements = [
    ...upsertContactsStatements(
      db,
      projectId,
      jobs.map((j) => j.contact),
      known,
    ),
    ...(marketing.length === 0
      ? []
      : [
          db
            .select({ number: contacts.number })
            .from(contacts)
            .where(
              and(
                eq(contacts.projectId, projectId),
                inJsonList(contacts.number, marketing),
                sql`${contacts.optedOut} = 1`,
              ),
            ),
        ]),
  ];
  const results = await db.batch(statements as unknown as Parameters<typeof db.batch>[0]);
  const optedOut = new Set(marketing.length === 0 ? [] : (results.at(-1) as { number: string }[]).map((r) => r.number));
  const skipOf = (j: ApiSendJob) =>
    j.skipReason ?? (j.category === "MARKETING" && optedOut.has(j.contact.number) ? OPTED_OUT_REASON : null);

  const refsOf = await templateRefs(
    db,
    jobs.map((j) => j.templateId),
  );
  const byDay = new Map<string, { job: ApiSendJob; slot: number }[]>();
  for (const job of jobs) {
    const named = parseLedgerMessageId(job.messageId);
    if (!named) continue;
    byDay.set(named.runRef, [...(byDay.get(named.runRef) ?? []), { job, slot: named.slot }]);
  }
  const now = Date.now();
  const days = await Promise.allSettled(
    [...byDay].map(async ([ref, sends]) => {
      const { stored, bases } = await sharePayloads(
        db,
        projectId,
        sends.map(({ job }) => ({ number: job.contact.number, payload: job.payload })),
      );
      const recipients = sends.map(({ job, slot }, i): DayRecipient => {
        const s = stored[i] ?? null;
        return {
          slot,
          number: job.contact.number,
          payload: s === null ? null : JSON.stringify(s.patch),
          base: s?.base ?? null,
          skipReason: skipOf(job),
          template: refsOf.get(job.templateId) ?? job.templateId,
        };
      });
      const ledger = runLedger(env, ref);
      // A batch of big payloads goes in several calls, each one JSON value under the object's limit.
      const calls = inValueSized(recipients);
      const days: Awaited<ReturnType<typeof ledger.recordSends>>[] = [];
      try {
        // Each call names its bases: the object looks up a call's base ids from the bases it is given.
        for (const part of calls) days.push(await ledger.recordSends(projectId, bases, part, now));
      } catch (err) {
        const claimed = days.flatMap((d) => d.claimed.map((c) => c.slot));
        if (claimed.length > 0) await ledger.unclaim(claimed).catch(() => undefined);
        throw err;
      }
      const [first] = days as [(typeof days)[number], ...typeof days];
      return { ref, sends, day: { meta: first.meta, claimed: days.flatMap((d) => d.claimed) } };
    }),
  );
  const failed = days.find((d) => d.status === "rejected");
  if (failed) {
    // Nothing was sent: what the other days claimed goes back, for the queue's retry to claim again.
    await Promise.allSettled(
      days.map((d) =>
        d.status === "fulfilled" && d.value.day.claimed.length > 0
          ? runLedger(env, d.value.ref).unclaim(d.value.day.claimed.map((c) => c.slot))
          : null,
      ),
    );
    throw failed.reason;
  }
  for (const d of days) {
    if (d.status !== "fulfilled") continue;
    const { sends, day } = d.value;
    const claimed = new Map(day.claimed.map((c) => [c.slot, c.attempts]));
    for (const { job, slot } of sends) {
      const attempts = claimed.get(slot);
      if (attempts === undefined) continue;
      recorded.set(job.messageId, {
        id: job.messageId,
        claimedAt: now,
        payload: job.payload,
        campaignId: job.campaignId,
        runId: day.meta.runId,
        attempts,
      });
    }
  }
  return recorded;
}

/**
 * Claims again the given-back day messages that queue jobs name (released by the number's
 * governor, requeued on a resume or by the sweep), one call per day; each is handed out once, so
 * a job delivered twice sends nothing the second time.
 */
export async function reclaimApiDays(
  env: Pick<Env, "RUN_LEDGER">,
  projectId: string,
  jobs: { messageId: string; campaignId?: string }[],
): Promise<DayClaim[]> {
  const byDay = new Map<string, { slot: number; campaignId: string }[]>();
  for (const job of jobs) {
    const named = parseLedgerMessageId(job.messageId);
    if (!named || !job.campaignId) continue;
    byDay.set(named.runRef, [...(byDay.get(named.runRef) ?? []), { slot: named.slot, campaignId: job.campaignId }]);
  }
  const now = Date.now();
  const claims = await Promise.all(
    [...byDay].map(async ([ref, sends]) => {
      const { runId, rows } = await runLedger(env, ref).reclaim(
        projectId,
        sends.map((s) => s.slot),
        now,
      );
      const campaignOf = new Map(sends.map((s) => [s.slot, s.campaignId]));
      return runId === null
        ? []
        : rows.map(
            (row): DayClaim => ({
              id: ledgerMessageId(ref, row.slot),
              claimedAt: now,
              payload: JSON.parse(row.payload) as TemplateMessage,
              campaignId: campaignOf.get(row.slot) ?? "",
              runId,
              attempts: row.attempts,
            }),
          );
    }),
  );
  return claims.flat();
}
