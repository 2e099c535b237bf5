import { describe, expect, it } from "vitest";
import { call, newProject } from "../helpers";

describe("smoke", () => {
  it("creates a project and reads it back with a key", async () => {
    const p = await newProject();
    const who = await call("GET", "/v1/project", { key: p.manager });
    expect(who.status).toBe(200);
    expect(who.body.project.id).toBe(p.id);
  });
});
