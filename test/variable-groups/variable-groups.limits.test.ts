import { describe, expect, it } from "vitest";
import { groupsByRef } from "../../src/features/variable-groups/store";
import { db, newProject } from "../helpers";

// The largest inputs this path accepts, run under D1's 100-parameter limit (test/d1-limits.ts).
describe("variable groups at the largest inputs they accept", () => {
  it("looks up 100 group references (a campaign's placeholders and buttons) in one statement", async () => {
    const p = await newProject();
    const refs = Array.from({ length: 100 }, (_, i) => `group-${i}`);
    expect(await groupsByRef(db(), p.id, refs)).toEqual(new Map());
  });
});
