import { beforeEach, describe, expect, it } from "vitest";
import { anIso, call, newProject, type Project } from "../helpers";
import { defineAttributes, defineTags, listAll, upsertOk, walkPages } from "./contacts.helpers";

const numbers = (data: { number: string }[]) => data.map((c) => c.number);

let p: Project;
beforeEach(async () => {
  p = await newProject("contact lists");
});

describe("GET /v1/contacts pagination", () => {
  it("answers an empty page for a project without contacts", async () => {
    const result = await call("GET", "/v1/contacts", { key: p.manager });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: [], nextCursor: null });
  });

  it("lists contacts in full, oldest first", async () => {
    await defineTags(p.manager, "vip");
    await defineAttributes(p.manager, "city");
    const first = await upsertOk(p.manager, { number: "+917428526285", name: "Asha", tags: ["vip"] });
    const second = await upsertOk(p.manager, { number: "+12133734253", attributes: { city: "LA" } });
    const result = await call("GET", "/v1/contacts", { key: p.manager });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: [first, second], nextCursor: null });
  });

  it("walks every page with limit 2: every contact exactly once, oldest first", async () => {
    const created = Array.from({ length: 7 }, (_, i) => `+9174285262${String(90 - i * 7).padStart(2, "0")}`);
    for (const number of created) await upsertOk(p.manager, { number });
    const pages = await walkPages("/v1/contacts", p.manager, 2);
    expect(pages.map((page) => numbers(page.body.data))).toEqual([
      created.slice(0, 2),
      created.slice(2, 4),
      created.slice(4, 6),
      created.slice(6),
    ]);
    for (const page of pages.slice(0, -1)) expect(page.body.nextCursor).toEqual(expect.any(String));
    expect(pages.at(-1)?.body.nextCursor).toBeNull();
  });

  it("ends with a null cursor when the last page is exactly full", async () => {
    for (const n of [1, 2, 3, 4]) await upsertOk(p.manager, { number: `+91742852628${n}` });
    const pages = await walkPages("/v1/contacts", p.manager, 2);
    expect(pages.map((page) => page.body.data.length)).toEqual([2, 2]);
    expect(pages[1]?.body.nextCursor).toBeNull();
  });

  it("keeps a contact in its creation position after it is updated", async () => {
    for (const n of [1, 2, 3]) await upsertOk(p.manager, { number: `+91742852628${n}` });
    await upsertOk(p.manager, { number: "+917428526281", name: "Updated later" }, 200);
    expect(numbers(await listAll("/v1/contacts", p.manager, 2))).toEqual([
      "+917428526281",
      "+917428526282",
      "+917428526283",
    ]);
  });

  it("does not skip or repeat when a contact is deleted between pages", async () => {
    for (const n of [1, 2, 3, 4, 5]) await upsertOk(p.manager, { number: `+91742852628${n}` });
    const first = await call("GET", "/v1/contacts?limit=2", { key: p.manager });
    expect(numbers(first.body.data)).toEqual(["+917428526281", "+917428526282"]);
    await call("DELETE", "/v1/contacts/%2B917428526283", { key: p.manager });
    const rest = await call("GET", `/v1/contacts?limit=10&cursor=${first.body.nextCursor}`, { key: p.manager });
    expect(numbers(rest.body.data)).toEqual(["+917428526284", "+917428526285"]);
    expect(rest.body.nextCursor).toBeNull();
  });

  it("uses 50 as the default page size", async () => {
    const created: string[] = [];
    for (let i = 0; i < 51; i++) {
      const number = `+9174285262${String(i).padStart(2, "0")}`;
      created.push(number);
      await upsertOk(p.manager, { number });
    }
    const first = await call("GET", "/v1/contacts", { key: p.manager });
    expect(numbers(first.body.data)).toEqual(created.slice(0, 50));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call("GET", `/v1/contacts?cursor=${first.body.nextCursor}`, { key: p.manager });
    expect(second.body).toEqual({ data: [expect.objectContaining({ number: created[50] })], nextCursor: null });
  });
});

describe("GET /v1/contacts filters", () => {
  // A: vip, Website, city=Pune     B: vip+lead, Import, city=Delhi
  // C: lead, Website, city=Pune    D: (nothing), Website, plan=Pune     E: vip, Website, city=Pune
  const A = "+917428526281";
  const B = "+917428526282";
  const C = "+917428526283";
  const D = "+917428526284";
  const E = "+917428526285";

  beforeEach(async () => {
    await defineTags(p.manager, "vip", "lead", "unused");
    await defineAttributes(p.manager, "city", "plan", "url");
    await upsertOk(p.manager, { number: A, source: "Website", tags: ["vip"], attributes: { city: "Pune" } });
    await upsertOk(p.manager, { number: B, source: "Import", tags: ["vip", "lead"], attributes: { city: "Delhi" } });
    await upsertOk(p.manager, { number: C, source: "Website", tags: ["lead"], attributes: { city: "Pune" } });
    await upsertOk(p.manager, { number: D, source: "Website", attributes: { plan: "Pune" } });
    await upsertOk(p.manager, { number: E, source: "Website", tags: ["vip"], attributes: { city: "Pune" } });
  });

  const list = async (query: string, limit = 2) => numbers(await listAll(`/v1/contacts?${query}`, p.manager, limit));

  it("by tag", async () => {
    expect(await list("tag=vip")).toEqual([A, B, E]);
    expect(await list("tag=lead")).toEqual([B, C]);
  });

  it("by tag returns the whole contact, with all its tags", async () => {
    const result = await call("GET", "/v1/contacts?tag=lead", { key: p.manager });
    expect(result.body.data[0]).toEqual({
      number: B,
      name: null,
      source: "Import",
      tags: ["lead", "vip"],
      attributes: { city: "Delhi" },
      optedOut: false,
      createdAt: anIso(),
      updatedAt: anIso(),
    });
  });

  it("by a tag no contact has, or that is not defined: empty", async () => {
    expect(await list("tag=unused")).toEqual([]);
    expect(await list("tag=ghost")).toEqual([]);
  });

  it("by source, matching exactly", async () => {
    expect(await list("source=Website")).toEqual([A, C, D, E]);
    expect(await list("source=Import")).toEqual([B]);
    expect(await list("source=website")).toEqual([]);
    expect(await list("source=Web")).toEqual([]);
  });

  it("by a source with spaces and symbols", async () => {
    const F = "+917428526286";
    await upsertOk(p.manager, { number: F, source: "Lead form: Diwali & more" });
    expect(await list(`source=${encodeURIComponent("Lead form: Diwali & more")}`)).toEqual([F]);
  });

  it("by attribute=name:value, matching the named attribute only", async () => {
    expect(await list("attribute=city:Pune")).toEqual([A, C, E]);
    expect(await list("attribute=city:Delhi")).toEqual([B]);
    expect(await list("attribute=plan:Pune")).toEqual([D]);
    expect(await list("attribute=city:pune")).toEqual([]);
    expect(await list("attribute=ghost:Pune")).toEqual([]);
  });

  it("by attribute, splitting at the first colon so values may contain colons", async () => {
    const F = "+917428526286";
    await upsertOk(p.manager, { number: F, attributes: { url: "https://example.com:8080/x" } });
    expect(await list(`attribute=${encodeURIComponent("url:https://example.com:8080/x")}`)).toEqual([F]);
  });

  it("by attribute with an empty value", async () => {
    const F = "+917428526286";
    await upsertOk(p.manager, { number: F, attributes: { plan: "" } });
    expect(await list("attribute=plan:")).toEqual([F]);
  });

  it("combines filters with AND", async () => {
    expect(await list("tag=vip&source=Website")).toEqual([A, E]);
    expect(await list("tag=vip&attribute=city:Pune")).toEqual([A, E]);
    expect(await list("tag=lead&source=Website&attribute=city:Pune")).toEqual([C]);
    expect(await list("tag=vip&source=Website&attribute=city:Pune")).toEqual([A, E]);
    expect(await list("tag=lead&attribute=city:Delhi&source=Website")).toEqual([]);
  });

  it("paginates filtered results page by page with limit 1", async () => {
    const pages = await walkPages("/v1/contacts?tag=vip", p.manager, 1);
    expect(pages.map((page) => numbers(page.body.data))).toEqual([[A], [B], [E]]);
  });

  it("follows a changed tag: removing it drops the contact from the filter", async () => {
    await upsertOk(p.manager, { number: A, removeTags: ["vip"] }, 200);
    expect(await list("tag=vip")).toEqual([B, E]);
  });

  it("follows an overwritten attribute", async () => {
    await upsertOk(p.manager, { number: A, attributes: { city: "Mumbai" } }, 200);
    expect(await list("attribute=city:Pune")).toEqual([C, E]);
    expect(await list("attribute=city:Mumbai")).toEqual([A]);
  });
});
