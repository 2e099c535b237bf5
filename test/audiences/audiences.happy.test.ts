import { beforeEach, describe, expect, it } from "vitest";
import { rows, upsertOk } from "../contacts/contacts.helpers";
import { anIso, type CallResult, call, newProject, type Project } from "../helpers";
import { allAudienceNumbers, audienceContacts, createAudienceOk, docAuth, numbers } from "./audiences.helpers";

let p: Project;
beforeEach(async () => {
  p = await newProject("audiences");
});

const doc = () => docAuth(p.manager);

describe("the reference document's audience examples, request by request", () => {
  it("createAudience, addContactsToAudience, retrieveAudiences, retrieveAudienceCotacts", async () => {
    // chat.createAudience({ id, name, description, contacts: [{ number: "1234567890" }] })
    const created = await call("POST", "/v1/create/audience", {
      ...doc(),
      body: {
        id: "myAudienceId",
        name: "My Audience",
        description: "This is my audience",
        contacts: [{ number: "1234567890" }],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const audience = {
      id: "myAudienceId",
      name: "My Audience",
      description: "This is my audience",
      type: "list",
      filter: null,
      contacts: 1,
      createdAt: anIso(),
      updatedAt: anIso(),
    };
    expect(created.body).toEqual({ status: "success", audience, added: 1 });

    // chat.addContactsToAudience({ id, contacts: [{ number: "1234567890" }] }) posts to the create path.
    const again = await call("POST", "/v1/create/audience", {
      ...doc(),
      body: { id: "myAudienceId", contacts: [{ number: "1234567890" }] },
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ status: "success", audience, added: 0 });
    expect(again.body.audience.createdAt).toBe(created.body.audience.createdAt);

    // chat.retrieveAudiences(): GET /v1/retrieve/audiences
    const listed = await call("GET", "/v1/retrieve/audiences", doc());
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({ status: "success", audiences: [audience], nextCursor: null });

    // chat.retrieveAudienceCotacts({ id: "myAudienceId" }): POST /v1/retrieve/audience/contacts
    const contacts = await call("POST", "/v1/retrieve/audience/contacts", { ...doc(), body: { id: "myAudienceId" } });
    expect(contacts.status).toBe(200);
    expect(contacts.body).toEqual({
      status: "success",
      audience: { id: "myAudienceId", name: "My Audience", type: "list" },
      contacts: [{ number: "+911234567890", name: null, source: null, optedOut: false }],
      nextCursor: null,
    });
  });

  it("serves the retrieve calls by POST and GET alike, and a POST with no body at all", async () => {
    await createAudienceOk(p.manager, { id: "a1", name: "One", contacts: [{ number: "+917428526285" }] });
    const get = await call("GET", "/v1/retrieve/audiences", doc());
    const post = await call("POST", "/v1/retrieve/audiences", {
      ...doc(),
      headers: { authorization: p.manager, "content-type": "application/json" },
    });
    const postEmpty = await call("POST", "/v1/retrieve/audiences", { ...doc(), body: {} });
    expect(post.status, JSON.stringify(post.body)).toBe(200);
    expect(post.body).toEqual(get.body);
    expect(postEmpty.body).toEqual(get.body);
    const byGet = await call("GET", "/v1/retrieve/audience/contacts?id=a1", doc());
    const byPost = await audienceContacts(p.manager, { id: "a1" });
    expect(byGet.status).toBe(200);
    expect(byGet.body).toEqual(byPost.body);
  });
});

describe("POST /v1/create/audience", () => {
  it("creates contacts for unknown numbers, updates given names and sources, keeps others", async () => {
    await upsertOk(p.manager, { number: "+917428526285", name: "Asha", source: "Shop" });
    const body = await createAudienceOk(p.manager, {
      id: "leads",
      name: "Leads",
      contacts: [
        { number: "+917428526285" },
        { number: "7428526286", name: "Ravi", source: "Website lead" },
        { number: 917428526287 },
      ],
    });
    expect(body.added).toBe(3);
    expect(body.audience.contacts).toBe(3);
    const stored = await rows("SELECT number, name, source FROM contacts WHERE project_id = ? ORDER BY number", p.id);
    expect(stored).toEqual([
      { number: "+917428526285", name: "Asha", source: "Shop" },
      { number: "+917428526286", name: "Ravi", source: "Website lead" },
      { number: "+917428526287", name: null, source: null },
    ]);
  });

  it("merges one number given twice in any spelling, the later name winning", async () => {
    const body = await createAudienceOk(p.manager, {
      id: "dups",
      name: "Dups",
      contacts: [
        { number: "+917428526285", name: "First" },
        { number: "07428526285", name: "Second" },
        { number: "0091 74285 26285" },
      ],
    });
    expect(body.added).toBe(1);
    expect(await rows("SELECT name FROM contacts WHERE project_id = ?", p.id)).toEqual([{ name: "Second" }]);
  });

  it("adding counts only new memberships, and updates name and description", async () => {
    await createAudienceOk(p.manager, { id: "grow", name: "Grow", contacts: numbers(3).map((number) => ({ number })) });
    const added = await createAudienceOk(
      p.manager,
      { id: "grow", name: "Grown", description: "now bigger", contacts: numbers(5).map((number) => ({ number })) },
      200,
    );
    expect(added.added).toBe(2);
    expect(added.audience).toMatchObject({ name: "Grown", description: "now bigger", contacts: 5 });
    // An update without name or description keeps them.
    const kept = await createAudienceOk(p.manager, { id: "grow" }, 200);
    expect(kept.audience).toMatchObject({ name: "Grown", description: "now bigger", contacts: 5 });
    expect(kept.added).toBe(0);
  });

  it("takes 1,000 contacts in one call (several bulk statements) and lists them all in order", async () => {
    const many = numbers(1000);
    const body = await createAudienceOk(p.manager, {
      id: "big",
      name: "Big",
      contacts: many.map((number) => ({ number })),
    });
    expect(body).toMatchObject({ added: 1000, audience: { contacts: 1000 } });
    expect(await allAudienceNumbers(p.manager, "big", 500)).toEqual(many);
  });

  it("keeps another audience's name free and lets an audience keep its own name", async () => {
    await createAudienceOk(p.manager, { id: "x", name: "Same" });
    await createAudienceOk(p.manager, { id: "x", name: "Same" }, 200);
  });
});

describe("retrieving audiences and their contacts", () => {
  it("walks the audiences in creation order, page by page", async () => {
    for (const id of ["a", "b", "c", "d", "e"]) await createAudienceOk(p.manager, { id, name: `Audience ${id}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const result: CallResult = await call("POST", "/v1/retrieve/audiences", {
        key: p.manager,
        body: { limit: 2, ...(cursor ? { cursor } : {}) },
      });
      expect(result.status).toBe(200);
      expect(result.body.audiences.length).toBeLessThanOrEqual(2);
      seen.push(...result.body.audiences.map((a: { id: string }) => a.id));
      cursor = result.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(["a", "b", "c", "d", "e"]);
    const byGet = await call("GET", "/v1/retrieve/audiences?limit=3", { key: p.manager });
    expect(byGet.body.audiences.map((a: { id: string }) => a.id)).toEqual(["a", "b", "c"]);
    expect(byGet.body.nextCursor).toEqual(expect.any(String));
  });

  it("walks an audience's contacts with GET and POST to the same result, members only", async () => {
    const members = numbers(7);
    await upsertOk(p.manager, { number: "+919999999999" });
    await createAudienceOk(p.manager, { id: "walk", name: "Walk", contacts: members.map((number) => ({ number })) });
    expect(await allAudienceNumbers(p.manager, "walk", 3)).toEqual(members);
    const first = await call("GET", "/v1/retrieve/audience/contacts?id=walk&limit=4", { key: p.manager });
    const second = await call("GET", `/v1/retrieve/audience/contacts?id=walk&limit=4&cursor=${first.body.nextCursor}`, {
      key: p.manager,
    });
    expect([...first.body.contacts, ...second.body.contacts].map((c: { number: string }) => c.number)).toEqual(members);
    expect(second.body.nextCursor).toBeNull();
  });

  it("shows each member's opt-out", async () => {
    await upsertOk(p.manager, { number: "+917428526285", optedOut: true });
    await createAudienceOk(p.manager, { id: "opt", name: "Opt", contacts: [{ number: "+917428526285" }] });
    const result = await audienceContacts(p.manager, { id: "opt" });
    expect(result.body.contacts).toEqual([{ number: "+917428526285", name: null, source: null, optedOut: true }]);
  });
});

describe("removing contacts and deleting audiences", () => {
  it("removes memberships only; the contacts and other audiences keep them", async () => {
    const [one, two, three] = numbers(3);
    const all = [one, two, three].map((number) => ({ number }));
    await createAudienceOk(p.manager, { id: "list", name: "List", contacts: all });
    await createAudienceOk(p.manager, { id: "other", name: "Other", contacts: all });
    const removed = await call("POST", "/v1/remove/audience/contacts", {
      key: p.manager,
      body: { id: "list", contacts: [{ number: one }, { number: two }, { number: "+919999999999" }] },
    });
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ status: "success", removed: 2, audience: { id: "list", contacts: 1 } });
    expect(await allAudienceNumbers(p.manager, "list")).toEqual([three]);
    expect(await allAudienceNumbers(p.manager, "other")).toEqual([one, two, three]);
    expect(await rows("SELECT count(*) AS n FROM contacts WHERE project_id = ?", p.id)).toEqual([{ n: 3 }]);
  });

  it("deletes an audience and its memberships, answering with it; its members stay contacts", async () => {
    await createAudienceOk(p.manager, { id: "gone", name: "Gone", contacts: numbers(2).map((number) => ({ number })) });
    const deleted = await call("DELETE", "/v1/audiences/gone", { key: p.manager });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ status: "success", audience: { id: "gone", name: "Gone", contacts: 2 } });
    expect((await audienceContacts(p.manager, { id: "gone" })).status).toBe(404);
    const memberships =
      "SELECT count(*) AS n FROM audience_members m JOIN contacts c ON c.id = m.contact_id WHERE c.project_id = ?";
    expect(await rows(memberships, p.id)).toEqual([{ n: 0 }]);
    expect(await rows("SELECT count(*) AS n FROM contacts WHERE project_id = ?", p.id)).toEqual([{ n: 2 }]);
    // The id and name are free again.
    await createAudienceOk(p.manager, { id: "gone", name: "Gone" });
  });
});
