import type { AccountUpdate } from "./values";

// What Meta's webhooks say about a project's number and WhatsApp Business Account, as stored on
// its whatsapp_accounts row (JSON), and the hold it puts on the project's campaigns. Pure: the
// webhook handlers (./updates.ts) and the sweep (./hold.ts) both decide through here.

/** `phone_number_quality_update`. Times are Unix milliseconds. */
export interface StoredNumberState {
  displayPhoneNumber: string | null;
  /** FLAGGED, UNFLAGGED, UPGRADE, DOWNGRADE, ONBOARDING, THROUGHPUT_UPGRADE, … */
  event: string | null;
  /** TIER_250, TIER_2K, TIER_10K, TIER_100K, TIER_UNLIMITED, … */
  currentLimit: string | null;
  previousLimit: string | null;
  /** `max_daily_conversations_per_business`: the limit since Meta counts it per business portfolio. */
  businessLimit: string | null;
  at: number;
}

export interface StoredRestriction {
  /** RESTRICTED_BIZ_INITIATED_MESSAGING, RESTRICTED_CUSTOMER_INITIATED_MESSAGING, RESTRICTED_ADD_PHONE_NUMBER_ACTION */
  type: string;
  /** Unix milliseconds; null when Meta gave none (the restriction lasts until lifted). */
  expiresAt: number | null;
}

/** `account_update`: the latest event, and the latest restrictions, ban and violation it carried. */
export interface StoredAccountState {
  event: string | null;
  restrictions: StoredRestriction[];
  ban: { state: string; date: string | null } | null;
  violation: { type: string } | null;
  deleted: boolean;
  at: number;
}

/** Only this restriction stops campaigns: they are business-initiated. */
export const CAMPAIGN_RESTRICTION = "RESTRICTED_BIZ_INITIATED_MESSAGING";

const upper = (v: string | null | undefined) => v?.toUpperCase() || null;

/** Meta writes `2026-04-19T13:59:20+0000`, which Date.parse reads once the offset has its colon. */
export function parseExpiry(value: string | null | undefined): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * (value.length > 11 ? 1 : 1000);
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, "$1:$2"));
  return Number.isFinite(ms) ? ms : null;
}

/**
 * The account's state after one `account_update`. Each event carries its own part: a restriction
 * event the current restrictions (an empty list lifts them), a DISABLED_UPDATE the ban state, a
 * violation the violation; the other parts stay as they were.
 */
export function mergeAccountState(
  previous: StoredAccountState | null,
  update: AccountUpdate,
  now: number,
): StoredAccountState {
  const event = upper(update.event);
  const listed = update.restriction_info ?? update.restrictions;
  const restrictions =
    listed !== undefined && listed !== null
      ? listed.flatMap((r) =>
          r.restriction_type ? [{ type: r.restriction_type.toUpperCase(), expiresAt: parseExpiry(r.expiration) }] : [],
        )
      : event === "ACCOUNT_RESTRICTION"
        ? []
        : (previous?.restrictions ?? []);
  const banState = upper(update.ban_info?.waba_ban_state);
  const violation = update.violation_info?.violation_type;
  return {
    event,
    restrictions,
    ban: banState ? { state: banState, date: update.ban_info?.waba_ban_date || null } : (previous?.ban ?? null),
    violation: violation ? { type: violation } : (previous?.violation ?? null),
    deleted: event === "ACCOUNT_DELETED" || (previous?.deleted ?? false),
    at: now,
  };
}

export interface Hold {
  reason: string;
  /** When it lifts by itself (a restriction's expiry); null: until Meta says otherwise. */
  until: number | null;
}

/**
 * Whether the account's state holds the project's campaigns, and why. A disabled (banned) or
 * deleted account holds until Meta reinstates it; a restriction of business-initiated messaging
 * holds until it expires or Meta lifts it. Everything else (violations, a scheduled disable, other
 * restrictions) is shown, not held: sends still go through.
 */
export function holdOf(state: StoredAccountState | null, now: number): Hold | null {
  if (!state) return null;
  if (state.deleted) return { reason: "WhatsApp deleted this WhatsApp Business Account", until: null };
  if (state.ban?.state === "DISABLE") {
    return {
      reason: `WhatsApp disabled this WhatsApp Business Account${state.ban.date ? ` (${state.ban.date})` : ""}`,
      until: null,
    };
  }
  const active = state.restrictions.filter(
    (r) => r.type === CAMPAIGN_RESTRICTION && (r.expiresAt === null || r.expiresAt > now),
  );
  if (active.length === 0) return null;
  const until = active.some((r) => r.expiresAt === null) ? null : Math.max(...active.map((r) => r.expiresAt ?? 0));
  return {
    reason: `WhatsApp restricted business-initiated messaging on this account${until ? ` until ${new Date(until).toISOString()}` : ""}`,
    until,
  };
}

/** The number's state after one `phone_number_quality_update`; the limit is kept when an event omits it. */
export function mergeNumberState(
  previous: StoredNumberState | null,
  update: {
    display_phone_number?: string | null;
    event?: string | null;
    current_limit?: string | null;
    old_limit?: string | null;
    max_daily_conversations_per_business?: string | null;
  },
  now: number,
): StoredNumberState {
  return {
    displayPhoneNumber: update.display_phone_number || previous?.displayPhoneNumber || null,
    event: upper(update.event),
    currentLimit: upper(update.current_limit) ?? previous?.currentLimit ?? null,
    previousLimit:
      upper(update.old_limit) ??
      (update.current_limit ? (previous?.currentLimit ?? null) : (previous?.previousLimit ?? null)),
    businessLimit: upper(update.max_daily_conversations_per_business) ?? previous?.businessLimit ?? null,
    at: now,
  };
}
