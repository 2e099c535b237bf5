import { describe, expect, it } from "vitest";
import { newTx } from "../../src/features/messages/log";
import { MESSAGE_ID, newMessageId } from "../../src/platform/ids";

// What every message row carries: its id, and the token of the batch that last moved it.

const MSG = "msg_019a0000000000aabbccddee";

describe("message ids", () => {
  it("are the time in hex and 48 random bits in base64url, 8 characters shorter than every other id", () => {
    const before = Date.now();
    const ids = Array.from({ length: 1000 }, () => newMessageId());
    for (const id of ids) expect(id).toMatch(MESSAGE_ID);
    expect(ids[0]).toHaveLength(24);
    expect(new Set(ids).size).toBe(ids.length);
    // The time comes first, as in the ids made before: ordering by id is still oldest first.
    const time = Number.parseInt(ids[0]?.slice(4, 16) ?? "", 16);
    expect(time).toBeGreaterThanOrEqual(before);
    expect([MSG, ...ids].sort()[0]).toBe(MSG);
    expect(MSG).toMatch(MESSAGE_ID);
  });
});

describe("a batch's token", () => {
  it("is a random 47-bit integer, the most SQLite stores in 6 bytes", () => {
    const tokens = Array.from({ length: 10_000 }, () => newTx());
    for (const tx of tokens) {
      expect(Number.isSafeInteger(tx)).toBe(true);
      expect(tx).toBeGreaterThanOrEqual(0);
      expect(tx).toBeLessThan(2 ** 47);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
    // Random over the whole range, not a counter: some use the top bits.
    expect(tokens.some((tx) => tx >= 2 ** 46)).toBe(true);
  });
});
