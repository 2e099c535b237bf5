import { describe, expect, it } from "vitest";
import { resolveAudiences } from "../../src/features/audiences/members";
import { db, expectError, newProject } from "../helpers";
import { createAudience } from "./audiences.helpers";

// The largest inputs these paths accept, run under D1's 100-parameter limit (test/d1-limits.ts).
describe("audiences at the largest inputs they accept", () => {
  it("resolves the 50 audiences a run may name in one statement", async () => {
    const p = await newProject();
    const refs = Array.from({ length: 50 }, (_, i) => `audience-${i}`);
    expect(await resolveAudiences(db(), p.id, refs)).toEqual({ targets: [], unknown: refs });
  });

  it("checks a segment naming 50 tags in each tag list, reporting the unknown ones", async () => {
    const p = await newProject();
    const names = (list: string) => Array.from({ length: 50 }, (_, i) => `${list}${i}`);
    const filter = { tags: names("all"), anyTags: names("any"), notTags: names("none") };
    const result = await createAudience(p.manager, { id: "s", name: "S", filter });
    expectError(result, 400, "validation_failed");
    expect(result.body.error.fields).toHaveLength(150);
  });
});
