import { and, eq } from "drizzle-orm";
import { whatsappAccounts } from "../../platform/db/schema";
import { normalizeTier } from "../messaging-limit/tiers";
import { applyHold, type HoldDeps } from "./hold";
import { holdOf, mergeAccountState, mergeNumberState, type StoredAccountState, type StoredNumberState } from "./state";
import { keptThroughput } from "./throughput";
import { AccountUpdateValue, CapabilityValue, NumberQualityValue } from "./values";

/** One change of a verified webhook, for the project whose signature verified it. */
export interface AccountChange {
  projectId: string;
  /** `entry[].id`: only the project's account on this WhatsApp Business Account is updated. */
  wabaId: string;
  value: unknown;
}

export interface AccountChangeResult {
  applied: boolean;
  ignored?: "unreadable" | "unknown_account";
}

async function accountRow(deps: HoldDeps, change: AccountChange) {
  return deps.db
    .select()
    .from(whatsappAccounts)
    .where(and(eq(whatsappAccounts.projectId, change.projectId), eq(whatsappAccounts.wabaId, change.wabaId)))
    .get();
}

/**
 * `phone_number_quality_update`: the number's quality event and messaging limit, shown on the
 * operator's account answer. Changes no hold: a flagged number still sends, and Meta enforces the
 * limit itself. Meta names the number by its display number only; a WhatsApp Business Account
 * shared by several projects shows the update on each, with the number it is about.
 */
export async function onNumberQualityChange(deps: HoldDeps, change: AccountChange): Promise<AccountChangeResult> {
  const parsed = NumberQualityValue.safeParse(change.value);
  if (!parsed.success || !(parsed.data.event || parsed.data.current_limit))
    return { applied: false, ignored: "unreadable" };
  const row = await accountRow(deps, change);
  if (!row) return { applied: false, ignored: "unknown_account" };
  const state = mergeNumberState(row.numberState as StoredNumberState | null, parsed.data, Date.now());
  await deps.db
    .update(whatsappAccounts)
    // The throughput level shares the column (./throughput.ts): it stays as it was.
    .set({
      numberState: { ...keptThroughput(row.numberState), ...state },
      // The portfolio's limit when Meta gives it (`current_limit` goes in 2026), else the number's.
      messagingLimit:
        normalizeTier(parsed.data.max_daily_conversations_per_business) ??
        normalizeTier(parsed.data.current_limit) ??
        row.messagingLimit,
    })
    .where(eq(whatsappAccounts.projectId, row.projectId));
  return { applied: true };
}

/**
 * `business_capability_update`: the portfolio's messaging limit as a number of recipients (-1:
 * unlimited), kept as its tier beside the quality webhook's and the phone number read's.
 */
export async function onCapabilityChange(deps: HoldDeps, change: AccountChange): Promise<AccountChangeResult> {
  const parsed = CapabilityValue.safeParse(change.value);
  const tier = parsed.success
    ? normalizeTier(parsed.data.max_daily_conversations_per_business ?? parsed.data.max_daily_conversation_per_phone)
    : null;
  if (tier === null) return { applied: false, ignored: "unreadable" };
  const row = await accountRow(deps, change);
  if (!row) return { applied: false, ignored: "unknown_account" };
  await deps.db
    .update(whatsappAccounts)
    .set({ messagingLimit: tier })
    .where(eq(whatsappAccounts.projectId, row.projectId));
  return { applied: true };
}

/**
 * `account_update`: restrictions, ban and violations, shown on the operator's account answer, and
 * the hold they put on the project's campaigns (./hold.ts): held on a ban or a restriction of
 * business-initiated messaging, resumed when Meta lifts it.
 */
export async function onAccountChange(deps: HoldDeps, change: AccountChange): Promise<AccountChangeResult> {
  const parsed = AccountUpdateValue.safeParse(change.value);
  if (!parsed.success || !parsed.data.event) return { applied: false, ignored: "unreadable" };
  const row = await accountRow(deps, change);
  if (!row) return { applied: false, ignored: "unknown_account" };
  const now = Date.now();
  const state = mergeAccountState(row.accountState as StoredAccountState | null, parsed.data, now);
  await deps.db
    .update(whatsappAccounts)
    .set({ accountState: state })
    .where(eq(whatsappAccounts.projectId, row.projectId));
  await applyHold(deps, row.projectId, row.holdReason, holdOf(state, now));
  return { applied: true };
}
