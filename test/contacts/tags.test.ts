import { beforeEach, describe, expect, it } from "vitest";
import { call, newProject, type Project } from "../helpers";
import { contactFootprint, defineTags, upsertOk } from "./contacts.helpers";
import { definitionSuite } from "./definitions.shared";

describe("/v1/tags", () => {
  definitionSuite("tags");
});

describe("deleting a tag", () => {
  let p: Project;
  beforeEach(async () => {
    p = await newProject("tag deletion");
  });

  it("removes the tag from every contact that had it, and nothing else", async () => {
    await defineTags(p.manager, "vip", "lead");
    await upsertOk(p.manager, { number: "+917428526285", tags: ["vip", "lead"] });
    await upsertOk(p.manager, { number: "+917428526286", tags: ["vip"] });
    await upsertOk(p.manager, { number: "+917428526287", tags: ["lead"] });

    const deleted = await call("DELETE", "/v1/tags/vip", { key: p.manager });
    expect(deleted.status).toBe(200);

    const one = await call("GET", "/v1/contacts/%2B917428526285", { key: p.manager });
    expect(one.body.tags).toEqual(["lead"]);
    const two = await call("GET", "/v1/contacts/%2B917428526286", { key: p.manager });
    expect(two.body.tags).toEqual([]);
    const three = await call("GET", "/v1/contacts/%2B917428526287", { key: p.manager });
    expect(three.body.tags).toEqual(["lead"]);

    expect((await contactFootprint(p.id)).tags).toEqual([
      { number: "+917428526285", name: "lead" },
      { number: "+917428526287", name: "lead" },
    ]);
    const filtered = await call("GET", "/v1/contacts?tag=vip", { key: p.manager });
    expect(filtered.body).toEqual({ data: [], nextCursor: null });
  });

  it("keeps the contacts themselves", async () => {
    await defineTags(p.manager, "vip");
    await upsertOk(p.manager, { number: "+917428526285", name: "Asha", tags: ["vip"] });
    await call("DELETE", "/v1/tags/vip", { key: p.manager });
    const contact = await call("GET", "/v1/contacts/%2B917428526285", { key: p.manager });
    expect(contact.status).toBe(200);
    expect(contact.body).toMatchObject({ number: "+917428526285", name: "Asha", tags: [] });
  });

  it("does not carry over to a tag later defined with the same name", async () => {
    await defineTags(p.manager, "vip");
    await upsertOk(p.manager, { number: "+917428526285", tags: ["vip"] });
    await call("DELETE", "/v1/tags/vip", { key: p.manager });
    await defineTags(p.manager, "vip");
    const contact = await call("GET", "/v1/contacts/%2B917428526285", { key: p.manager });
    expect(contact.body.tags).toEqual([]);
  });

  it("makes later upserts that name it report it as ignored", async () => {
    await defineTags(p.manager, "vip");
    await call("DELETE", "/v1/tags/vip", { key: p.manager });
    const result = await call("POST", "/v1/contacts", {
      key: p.manager,
      body: { number: "+917428526285", tags: ["vip"] },
    });
    expect(result.status).toBe(201);
    expect(result.body.contact.tags).toEqual([]);
    expect(result.body.ignored).toEqual({ tags: ["vip"], attributes: [] });
  });
});
