import { eq } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { whatsappAccounts } from "../../platform/db/schema";
import { perDay } from "./tiers";
import { recipientsInWindow } from "./usage";

/** What a run does when its recipients do not fit in what is left of the messaging limit. */
export const LIMIT_POLICIES = ["wait", "refuse", "send"] as const;
export type LimitPolicy = (typeof LIMIT_POLICIES)[number];

/** A waiting run looks again this often: the window frees up as the day's first sends age out. */
export const LIMIT_RECHECK_MS = 15 * 60_000;

export interface LimitCheck {
  /** Meta's tier (`TIER_2K`); null while Meta has not said. */
  tier: string | null;
  /** Unique recipients per 24 hours; null when unlimited or unknown. */
  limit: number | null;
  /** Unique recipients sent to in the last 24 hours; null when not counted (no limit to count against). */
  used: number | null;
  remaining: number | null;
  /** The recipients the run would send to. */
  recipients: number;
  /** How many of them fit in what is left. */
  fit: number;
  fits: boolean;
}

/** The tier Meta last gave the project's number or portfolio (src/features/number-state). */
export async function tierOf(db: Db, projectId: string): Promise<string | null> {
  const row = await db
    .select({ tier: whatsappAccounts.messagingLimit })
    .from(whatsappAccounts)
    .where(eq(whatsappAccounts.projectId, projectId))
    .get();
  return row?.tier ?? null;
}

/** Where the project stands against its messaging limit; the day's usage is read only when limited. */
export async function limitStanding(env: Pick<Env, "RUN_LEDGER">, db: Db, projectId: string, now = Date.now()) {
  const tier = await tierOf(db, projectId);
  const limit = perDay(tier) ?? null;
  const used = limit === null ? null : await recipientsInWindow(env, db, projectId, now);
  return { tier, limit, used, remaining: limit === null || used === null ? null : Math.max(0, limit - used) };
}

/** `recipients` against a standing with a finite limit. */
export function fitOf(
  standing: Pick<LimitCheck, "tier" | "limit" | "used" | "remaining">,
  recipients: number,
): LimitCheck {
  const fit = standing.remaining === null ? recipients : Math.min(recipients, standing.remaining);
  return { ...standing, recipients, fit, fits: fit === recipients };
}

export type LimitDecision = { go: true } | { go: false; wait: boolean; reason: string };

/**
 * What a run does after its check: it goes when it fits (or its policy says send anyway); a run
 * bigger than the whole limit never fits, so it is refused even when it would wait.
 */
export function decide(check: LimitCheck, policy: LimitPolicy): LimitDecision {
  if (check.fits || policy === "send") return { go: true };
  const limit = check.limit ?? 0;
  if (check.recipients > limit) {
    return {
      go: false,
      wait: false,
      reason: `its ${check.recipients} recipients are more than the whole messaging limit (${limit} unique recipients per 24 hours, ${check.tier}): split the audience, or send with whenOverLimit "send"`,
    };
  }
  const reason = `${check.fit} of its ${check.recipients} recipients fit in what is left of the messaging limit (${check.remaining} of ${limit} unique recipients per 24 hours, ${check.tier})`;
  return policy === "wait"
    ? { go: false, wait: true, reason: `waiting for the messaging limit: ${reason}` }
    : { go: false, wait: false, reason };
}
