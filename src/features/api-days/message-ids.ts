import type { Db } from "../../platform/db/client";
import { ledgerMessageId } from "../../platform/ids";
import { runLedger } from "../run-ledger";
import { dayOf, openDay } from "./open";

/** Slots an isolate takes from a day's object at a time: one object call per this many sends. */
export const BLOCK = 64;
/**
 * A block older than this is left for a fresh one: slots then follow arrival closely, so the
 * sweep's watermark (src/features/run-ledger/day.ts) rarely passes a slot not yet recorded.
 */
export const BLOCK_TTL_MS = 60_000;
/** How long an isolate trusts what it read of a project's choice and the day's row. */
export const DAY_TTL_MS = 5 * 60_000;

interface Known {
  day: number;
  checkedAt: number;
  /** null: the project keeps API messages in D1. */
  open: { runId: string; ref: string } | null;
  /** Blocks with slots left, oldest first: the next id comes from the first. */
  blocks: Block[];
}

interface Block {
  next: number;
  end: number;
  at: number;
}

// Per isolate, by campaign. Only settled values are shared between requests, never a pending call
// (a Worker must not await, in one request, I/O another request started): requests that find no
// slot left each reserve their own block, and every block joins the pool, so the requests after
// a burst use up what the burst reserved before any takes another block.
const known = new Map<string, Known>();
const KNOWN_LIMIT = 10_000;

/**
 * The id of a new API send of `campaignId`, `msg_r<ref>.<slot>` in the campaign's day when its
 * project keeps API messages in objects; null when it keeps them in D1 (the caller draws a random
 * id). Costs a D1 statement per campaign, isolate and DAY_TTL_MS, and an object call per BLOCK sends.
 */
export async function apiDayMessageId(
  env: Pick<Env, "RUN_LEDGER">,
  db: Db,
  projectId: string,
  campaignId: string,
  deployment: "d1" | "object",
  now = Date.now(),
): Promise<string | null> {
  const day = dayOf(now);
  let entry = known.get(campaignId);
  if (!entry || entry.day !== day || now - entry.checkedAt > DAY_TTL_MS) {
    const open = await openDay(db, projectId, campaignId, day, deployment, now);
    if (known.size > KNOWN_LIMIT) known.clear();
    // The entry as it is now, not as it was before the await: requests that read the day at once
    // share one entry, so that no block one of them adds to the pool is lost with a replaced entry.
    const current = known.get(campaignId);
    if (current && current.day === day && current.open?.ref === open?.ref) {
      current.checkedAt = now;
      entry = current;
    } else {
      entry = { day, checkedAt: now, open, blocks: [] };
      known.set(campaignId, entry);
    }
  }
  const { open } = entry;
  if (!open) return null;
  entry.blocks = entry.blocks.filter((b) => b.next < b.end && now - b.at <= BLOCK_TTL_MS);
  let block = entry.blocks[0];
  if (!block) {
    const first = await runLedger(env, open.ref).reserve(
      { projectId, campaignId, runId: open.runId, runRef: open.ref, apiDay: day },
      BLOCK,
    );
    block = { next: first, end: first + BLOCK, at: now };
    // Another request may have replaced the entry meanwhile: this request's slot is from its block
    // all the same, and the rest joins the pool of the day it is of.
    const current = known.get(campaignId);
    if (current?.open?.ref === open.ref) current.blocks.push(block);
  }
  const slot = block.next++;
  return ledgerMessageId(open.ref, slot);
}

/** Forgets what this isolate knows of API days: for tests that change a project's choice. */
export function forgetApiDays() {
  known.clear();
}
