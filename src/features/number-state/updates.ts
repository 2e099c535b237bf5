import { and, eq } from "drizzle-orm";
import { whatsappAccounts } from "../../platform/db/schema";
import { applyHold, type HoldDeps } from "./hold";
import { holdOf, mergeAccountState, mergeNumberState, type StoredAccountState, type StoredNumberState } from "./state";
import { keptThroughput } from "./throughput";
import { AccountUpdateValue, NumberQualityValue } from "./values";

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
    .set({ numberState: { ...keptThroughput(row.numberState), ...state }, messagingLimit: state.currentLimit })
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
