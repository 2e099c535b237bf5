import { describe, expect, it } from "vitest";
import type { Recipient } from "../../src/features/runs/page";
import { PAGE_PAYLOAD_BYTES, recipientsThatFit } from "../../src/features/runs/page-budget";
import { D1_MAX_VALUE_BYTES } from "../d1-limits";

// A fan-out page is recorded as one JSON value, which D1 and a Durable Object's SQLite refuse over
// 2,000,000 bytes. The tests' pages are of two (FANOUT_PAGE_SIZE), so production's 500 is built here.

const recipient = (i: number, body: string[]): Recipient => ({
  id: `msg_${String(i).padStart(20, "0")}`,
  number: `+1555${String(i).padStart(7, "0")}`,
  payload: { to: `+1555${String(i).padStart(7, "0")}`, template: { name: "long_values", language: "en" }, body },
  skipReason: null,
});

/** What the page records: every kept recipient's payload in one JSON value, as the fan-out binds it. */
const recordedBytes = (page: Recipient[]) => new TextEncoder().encode(JSON.stringify(page)).length;

describe("a fan-out page's size", () => {
  it("keeps a page of 500 ordinary recipients whole", () => {
    const page = Array.from({ length: 500 }, (_, i) => recipient(i, ["Asha", "20% off"]));
    expect(recipientsThatFit(page)).toBe(500);
  });

  it("cuts a page of 500 recipients with ten values of 1,000 characters where it would pass the value limit", () => {
    const page = Array.from({ length: 500 }, (_, i) =>
      recipient(
        i,
        Array.from({ length: 10 }, () => "x".repeat(1_000)),
      ),
    );
    // Whole, the page is over D1's and the object's limit for one value.
    expect(recordedBytes(page)).toBeGreaterThan(D1_MAX_VALUE_BYTES);
    const fit = recipientsThatFit(page);
    expect(fit).toBeGreaterThan(50);
    expect(fit).toBeLessThan(500);
    expect(recordedBytes(page.slice(0, fit))).toBeLessThanOrEqual(PAGE_PAYLOAD_BYTES);
    // The rest fits the next pages the same way, none empty.
    let left = page.slice(fit);
    let pages = 1;
    while (left.length > 0) {
      const next = recipientsThatFit(left);
      expect(next).toBeGreaterThan(0);
      expect(recordedBytes(left.slice(0, next))).toBeLessThanOrEqual(PAGE_PAYLOAD_BYTES);
      left = left.slice(next);
      pages++;
    }
    expect(pages).toBeGreaterThanOrEqual(5);
  });

  it("measures bytes, not characters: values outside ASCII cut the page sooner", () => {
    const ascii = Array.from({ length: 500 }, (_, i) => recipient(i, ["x".repeat(2_000)]));
    const devanagari = Array.from({ length: 500 }, (_, i) => recipient(i, ["न".repeat(2_000)]));
    const fit = recipientsThatFit(devanagari);
    expect(fit).toBeLessThan(recipientsThatFit(ascii));
    expect(recordedBytes(devanagari.slice(0, fit))).toBeLessThanOrEqual(PAGE_PAYLOAD_BYTES);
  });

  it("keeps at least one recipient, however large", () => {
    const page = [recipient(1, ["x".repeat(PAGE_PAYLOAD_BYTES)]), recipient(2, ["y"])];
    expect(recipientsThatFit(page)).toBe(1);
  });
});
