import { describe, expect, it } from "vitest";
import type { Counts } from "../../src/durable-objects/campaign-stats/counters";
import { canMove } from "../../src/features/messages/status";
import {
  addDeltas,
  deltasOf,
  MARKETING_EXPERIMENT_CODE,
  MARKETING_LIMIT_CODE,
  NOT_ON_WHATSAPP_CODE,
} from "../../src/features/stats/deltas";
import type { MessageStatus } from "../../src/platform/db/schema";

const STATUSES: MessageStatus[] = ["queued", "sending", "sent", "delivered", "read", "failed", "skipped"];
const notOnWhatsApp = { code: NOT_ON_WHATSAPP_CODE, title: "Message undeliverable", message: "not on WhatsApp" };
const otherError = { code: 131000, title: "Something went wrong", message: "try again" };
const marketingLimit = { code: MARKETING_LIMIT_CODE, title: "Message failed to send", message: "healthy ecosystem" };
const experiment = { code: MARKETING_EXPERIMENT_CODE, title: "Experiment", message: "marketing experiment" };

type Rule = [from: MessageStatus | null, to: MessageStatus, error: typeof otherError | undefined, Partial<Counts>];

// Every transition that moves a counter, and what it adds.
const RULES: Rule[] = [
  [null, "queued", undefined, { queued: 1 }],
  [null, "skipped", undefined, { skipped: 1 }],
  ["queued", "skipped", undefined, { skipped: 1 }],
  ["sending", "skipped", undefined, { skipped: 1 }],
  ["queued", "sent", undefined, { sent: 1 }],
  ["sending", "sent", undefined, { sent: 1 }],
  ["queued", "delivered", undefined, { sent: 1, delivered: 1 }],
  ["sending", "delivered", undefined, { sent: 1, delivered: 1 }],
  ["sent", "delivered", undefined, { delivered: 1 }],
  ["queued", "read", undefined, { sent: 1, delivered: 1, read: 1 }],
  ["sending", "read", undefined, { sent: 1, delivered: 1, read: 1 }],
  ["sent", "read", undefined, { delivered: 1, read: 1 }],
  ["delivered", "read", undefined, { read: 1 }],
  ["queued", "failed", otherError, { sendErrors: 1 }],
  ["sending", "failed", otherError, { sendErrors: 1 }],
  ["sending", "failed", undefined, { sendErrors: 1 }],
  ["sent", "failed", otherError, { deliveryErrors: 1 }],
  ["sent", "failed", undefined, { deliveryErrors: 1 }],
  ["queued", "failed", notOnWhatsApp, { notOnWhatsApp: 1 }],
  ["sending", "failed", notOnWhatsApp, { notOnWhatsApp: 1 }],
  ["sent", "failed", notOnWhatsApp, { notOnWhatsApp: 1 }],
  ["sending", "failed", marketingLimit, { marketingLimited: 1 }],
  ["sent", "failed", marketingLimit, { marketingLimited: 1 }],
  ["sending", "failed", experiment, { marketingExperiment: 1 }],
  ["sent", "failed", experiment, { marketingExperiment: 1 }],
  // A failure whose outcome was unknown, overturned by Meta's word: its send error is taken back.
  ["failed", "sent", undefined, { sent: 1, sendErrors: -1 }],
  ["failed", "delivered", undefined, { sent: 1, delivered: 1, sendErrors: -1 }],
  ["failed", "read", undefined, { sent: 1, delivered: 1, read: 1, sendErrors: -1 }],
];

describe("deltasOf: the rules", () => {
  it.each(RULES)("%s → %s (error %o) adds %o", (from, to, error, expected) => {
    expect(deltasOf({ from, to, error })).toEqual(expected);
  });

  it("moves no counter for any other pair of statuses, with or without an error", () => {
    const listed = new Set(RULES.map(([from, to]) => `${from}→${to}`));
    const checked: string[] = [];
    for (const from of [null, ...STATUSES]) {
      for (const to of STATUSES) {
        if (listed.has(`${from}→${to}`)) continue;
        for (const error of [undefined, otherError, notOnWhatsApp]) {
          expect(deltasOf({ from, to, error }), `${from}→${to}`).toEqual({});
        }
        checked.push(`${from}→${to}`);
      }
    }
    // queued→sending is the one real transition that moves nothing; the rest are not real at all.
    expect(checked).toContain("queued→sending");
    expect(checked).toContain("delivered→failed");
    expect(checked).toContain("read→read");
    expect(checked.length).toBe(8 * 7 - listed.size);
  });

  it("never moves a counter for a transition the status rules refuse", () => {
    for (const from of STATUSES) {
      for (const to of STATUSES) {
        const refused = !canMove(from, to) && !canMove(from, to, "unknown");
        if (refused) expect(deltasOf({ from, to, error: otherError }), `${from}→${to}`).toEqual({});
      }
    }
  });

  it("counts a 131026 failure only as notOnWhatsApp, never also as a send or delivery error", () => {
    for (const from of ["queued", "sending", "sent"] as const) {
      const deltas = deltasOf({ from, to: "failed", error: notOnWhatsApp });
      expect(deltas).toEqual({ notOnWhatsApp: 1 });
      expect(deltas.sendErrors).toBeUndefined();
      expect(deltas.deliveryErrors).toBeUndefined();
    }
  });
});

/** Every sequence of real transitions a message can go through, starting from its recording. */
function allPaths(): { from: MessageStatus | null; to: MessageStatus }[][] {
  const paths: { from: MessageStatus | null; to: MessageStatus }[][] = [];
  const walk = (path: { from: MessageStatus | null; to: MessageStatus }[], at: MessageStatus) => {
    paths.push(path);
    for (const to of STATUSES) if (canMove(at, to)) walk([...path, { from: at, to }], to);
  };
  walk([{ from: null, to: "queued" }], "queued");
  walk([{ from: null, to: "skipped" }], "skipped");
  return paths;
}

describe("deltasOf: over a message's whole life", () => {
  it("keeps read ≤ delivered ≤ sent ≤ 1 and counts each outcome at most once, on every possible path", () => {
    const paths = allPaths();
    expect(paths.length).toBe(25); // 24 from queued (every canMove chain) and null → skipped
    for (const path of paths) {
      const sum = path.reduce<Partial<Counts>>((acc, t) => addDeltas(acc, deltasOf(t)), {});
      const label = path.map((t) => t.to).join(" → ");
      const n = (name: keyof Counts) => sum[name] ?? 0;
      expect(n("sent"), label).toBeLessThanOrEqual(1);
      expect(n("delivered"), label).toBeLessThanOrEqual(n("sent"));
      expect(n("read"), label).toBeLessThanOrEqual(n("delivered"));
      expect(n("queued") + (path[0]?.to === "skipped" ? 1 : 0), label).toBe(1);
      const failures = n("sendErrors") + n("deliveryErrors") + n("notOnWhatsApp");
      expect(failures + n("marketingLimited") + n("marketingExperiment"), label).toBeLessThanOrEqual(1);
      // A message that was delivered never also counts as failed.
      if (n("delivered") === 1) expect(n("sendErrors") + n("deliveryErrors"), label).toBe(0);
    }
  });

  it("counts an unknown outcome overturned by Meta once, as sent and not as a send error", () => {
    for (const last of ["sent", "delivered", "read"] as const) {
      const path: Parameters<typeof deltasOf>[0][] = [
        { from: null, to: "queued" },
        { from: "queued", to: "sending" },
        { from: "sending", to: "failed" },
        { from: "failed", to: last },
      ];
      const sum = path.reduce<Partial<Counts>>((acc, t) => addDeltas(acc, deltasOf(t)), {});
      expect(sum.sendErrors, last).toBe(0);
      expect(sum.sent, last).toBe(1);
    }
    // Only an unknown failure moves on, and only forward to Meta's word.
    expect(canMove("failed", "delivered", "unknown")).toBe(true);
    expect(canMove("failed", "delivered", "permanent")).toBe(false);
    expect(canMove("failed", "failed", "unknown")).toBe(false);
    expect(canMove("failed", "queued", "unknown")).toBe(false);
  });

  it("sums the same whether a read arrives alone or after its sent and delivered", () => {
    const alone = deltasOf({ from: "queued", to: "read" });
    const stepwise = [
      deltasOf({ from: "queued", to: "sent" }),
      deltasOf({ from: "sent", to: "delivered" }),
      deltasOf({ from: "delivered", to: "read" }),
    ].reduce<Partial<Counts>>((acc, d) => addDeltas(acc, d), {});
    expect(alone).toEqual({ sent: 1, delivered: 1, read: 1 });
    expect(stepwise).toEqual(alone);
  });
});

describe("addDeltas", () => {
  it("adds counter by counter, in place", () => {
    const into: Partial<Counts> = { sent: 1 };
    expect(addDeltas(into, { sent: 2, read: 1 })).toBe(into);
    expect(into).toEqual({ sent: 3, read: 1 });
  });
});
