import { describe, expect, it } from "vitest";
import { holdOf, mergeAccountState, mergeNumberState, parseExpiry } from "../../src/features/number-state/state";
import { AccountUpdateValue } from "../../src/features/number-state/values";

// How an account_update or phone_number_quality_update value becomes the stored state, and when
// that state holds a project's campaigns.

const NOW = Date.parse("2026-12-01T06:00:00.000Z");
const read = (value: unknown) => AccountUpdateValue.parse(value);

describe("parseExpiry", () => {
  it.each([
    ["2026-04-19T13:59:20+0000", Date.parse("2026-04-19T13:59:20Z")],
    ["2026-04-19T13:59:20.000Z", Date.parse("2026-04-19T13:59:20Z")],
    ["1776607160", 1_776_607_160_000],
    ["1776607160000", 1_776_607_160_000],
    ["tomorrow", null],
    [null, null],
  ])("reads %s", (value, expected) => {
    expect(parseExpiry(value)).toBe(expected);
  });
});

describe("mergeAccountState and holdOf", () => {
  it("holds on a business-initiated restriction until its expiry, and not after", () => {
    const state = mergeAccountState(
      null,
      read({
        event: "ACCOUNT_RESTRICTION",
        restriction_info: [
          { restriction_type: "RESTRICTED_BIZ_INITIATED_MESSAGING", expiration: "2026-12-02T06:00:00+0000" },
        ],
      }),
      NOW,
    );
    const until = Date.parse("2026-12-02T06:00:00Z");
    expect(holdOf(state, NOW)).toEqual({
      reason: "WhatsApp restricted business-initiated messaging on this account until 2026-12-02T06:00:00.000Z",
      until,
    });
    expect(holdOf(state, until)).toBeNull();
  });

  it("reads a lone restriction object as a list of one, and holds nothing for the other restriction types", () => {
    const state = mergeAccountState(
      null,
      read({
        event: "ACCOUNT_RESTRICTION",
        restrictions: { restriction_type: "RESTRICTED_CUSTOMER_INITIATED_MESSAGING" },
      }),
      NOW,
    );
    expect(state.restrictions).toEqual([{ type: "RESTRICTED_CUSTOMER_INITIATED_MESSAGING", expiresAt: null }]);
    expect(holdOf(state, NOW)).toBeNull();
  });

  it("keeps the restrictions through a violation; a ban holds until reinstated; a scheduled disable does not", () => {
    const restricted = mergeAccountState(
      null,
      read({
        event: "ACCOUNT_RESTRICTION",
        restriction_info: [{ restriction_type: "RESTRICTED_BIZ_INITIATED_MESSAGING" }],
      }),
      NOW,
    );
    const violated = mergeAccountState(
      restricted,
      read({ event: "ACCOUNT_VIOLATION", violation_info: { violation_type: "SPAM" } }),
      NOW,
    );
    expect(violated).toMatchObject({ restrictions: restricted.restrictions, violation: { type: "SPAM" } });
    expect(holdOf(violated, NOW)).toEqual({
      reason: "WhatsApp restricted business-initiated messaging on this account",
      until: null,
    });

    const scheduled = mergeAccountState(
      null,
      read({ event: "DISABLED_UPDATE", ban_info: { waba_ban_state: "SCHEDULE_FOR_DISABLE" } }),
      NOW,
    );
    expect(holdOf(scheduled, NOW)).toBeNull();
    const banned = mergeAccountState(
      scheduled,
      read({ event: "DISABLED_UPDATE", ban_info: { waba_ban_state: "DISABLE" } }),
      NOW,
    );
    expect(holdOf(banned, NOW)).toEqual({ reason: "WhatsApp disabled this WhatsApp Business Account", until: null });
    const back = mergeAccountState(
      banned,
      read({ event: "DISABLED_UPDATE", ban_info: { waba_ban_state: "REINSTATE" } }),
      NOW,
    );
    expect(holdOf(back, NOW)).toBeNull();
  });

  it("reads what it can of a malformed value and never throws", () => {
    const state = mergeAccountState(null, read({ event: 7, restriction_info: "nonsense", ban_info: [] }), NOW);
    expect(state).toEqual({ event: "7", restrictions: [], ban: null, violation: null, deleted: false, at: NOW });
  });
});

describe("mergeNumberState", () => {
  it("keeps the limit when an event omits it, and remembers the previous one", () => {
    const first = mergeNumberState(null, { event: "ONBOARDING", current_limit: "TIER_250" }, NOW);
    const second = mergeNumberState(first, { event: "UPGRADE", current_limit: "tier_2k" }, NOW + 1);
    const third = mergeNumberState(second, { event: "FLAGGED" }, NOW + 2);
    expect(third).toEqual({
      displayPhoneNumber: null,
      event: "FLAGGED",
      currentLimit: "TIER_2K",
      previousLimit: "TIER_250",
      businessLimit: null,
      at: NOW + 2,
    });
  });
});
