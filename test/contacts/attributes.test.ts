import { beforeEach, describe, expect, it } from "vitest";
import { call, newProject, type Project } from "../helpers";
import { contactFootprint, defineAttributes, upsertOk } from "./contacts.helpers";
import { definitionSuite } from "./definitions.shared";

describe("/v1/attributes", () => {
  definitionSuite("attributes");
});

describe("deleting an attribute", () => {
  let p: Project;
  beforeEach(async () => {
    p = await newProject("attribute deletion");
  });

  it("removes its values from every contact, and nothing else", async () => {
    await defineAttributes(p.manager, "city", "plan");
    await upsertOk(p.manager, { number: "+917428526285", attributes: { city: "Pune", plan: "gold" } });
    await upsertOk(p.manager, { number: "+917428526286", attributes: { city: "Delhi" } });

    const deleted = await call("DELETE", "/v1/attributes/city", { key: p.manager });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ name: "city", createdAt: expect.any(String) });

    const one = await call("GET", "/v1/contacts/%2B917428526285", { key: p.manager });
    expect(one.body.attributes).toEqual({ plan: "gold" });
    const two = await call("GET", "/v1/contacts/%2B917428526286", { key: p.manager });
    expect(two.body.attributes).toEqual({});
    expect((await contactFootprint(p.id)).attributes).toEqual([
      { number: "+917428526285", name: "plan", value: "gold" },
    ]);
    const filtered = await call("GET", "/v1/contacts?attribute=city:Pune", { key: p.manager });
    expect(filtered.body).toEqual({ data: [], nextCursor: null });
  });

  it("does not bring old values back when the name is defined again", async () => {
    await defineAttributes(p.manager, "city");
    await upsertOk(p.manager, { number: "+917428526285", attributes: { city: "Pune" } });
    await call("DELETE", "/v1/attributes/city", { key: p.manager });
    await defineAttributes(p.manager, "city");
    const contact = await call("GET", "/v1/contacts/%2B917428526285", { key: p.manager });
    expect(contact.body.attributes).toEqual({});
  });
});

describe("tags and attributes are separate vocabularies", () => {
  it("a tag name does not define an attribute of the same name, nor the reverse", async () => {
    const p = await newProject();
    await call("POST", "/v1/tags", { key: p.manager, body: { name: "vip" } });
    await call("POST", "/v1/attributes", { key: p.manager, body: { name: "city" } });
    const result = await call("POST", "/v1/contacts", {
      key: p.manager,
      body: { number: "+917428526285", tags: ["city"], attributes: { vip: "yes" } },
    });
    expect(result.status).toBe(201);
    expect(result.body.contact).toMatchObject({ tags: [], attributes: {} });
    expect(result.body.ignored).toEqual({ tags: ["city"], attributes: ["vip"] });
    const attributes = await call("GET", "/v1/attributes", { key: p.manager });
    expect(attributes.body.data.map((d: { name: string }) => d.name)).toEqual(["city"]);
  });
});
