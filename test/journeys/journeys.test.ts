import { describe, expect, it } from "vitest";
import { api, expectError, ISO, newProject } from "../helpers";
import { createJourney, journeyBody } from "./journeys.helpers";

// The journeys resource: a named sequence of text messages a journey button sends in reply.

describe("POST /v1/create/journey", () => {
  it("creates a journey and answers it in the broadcast style", async () => {
    const p = await newProject();
    const result = await api("POST", "/v1/create/journey", {
      key: p.manager,
      body: {
        id: "welcome.v1",
        name: "  Welcome  ",
        description: "Sent when someone taps Start",
        messages: [{ text: "Hi there!" }, { text: "*Step 2*: reply any time." }],
      },
    });
    expect(result.status, JSON.stringify(result.body)).toBe(201);
    expect(result.body).toEqual({
      status: "success",
      journey: {
        id: "welcome.v1",
        name: "Welcome",
        description: "Sent when someone taps Start",
        messages: [{ text: "Hi there!" }, { text: "*Step 2*: reply any time." }],
        createdAt: expect.stringMatching(ISO),
        updatedAt: expect.stringMatching(ISO),
      },
    });
    const got = await api("GET", "/v1/journeys/welcome.v1", { key: p.manager });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(result.body);
  });

  it("accepts the longest text WhatsApp allows and ten messages", async () => {
    const p = await newProject();
    const texts = Array.from({ length: 10 }, (_, i) => (i === 0 ? "x".repeat(4096) : `message ${i + 1}`));
    const journey = await createJourney(p.manager, "long", texts);
    expect(journey.messages).toHaveLength(10);
    expect(journey.messages[0].text).toHaveLength(4096);
    expect(journey.description).toBeNull();
  });

  it("409s an id the project already has, and leaves the first journey as it was", async () => {
    const p = await newProject();
    const first = await createJourney(p.manager, "dup", ["one"]);
    const again = await api("POST", "/v1/create/journey", { key: p.manager, body: journeyBody("dup", ["two"]) });
    expectError(again, 409, "conflict", ["id"]);
    const got = await api("GET", "/v1/journeys/dup", { key: p.manager });
    expect(got.body.journey).toEqual(first);
  });

  it("lets two projects use the same id", async () => {
    const a = await newProject();
    const b = await newProject();
    await createJourney(a.manager, "same", ["for a"]);
    const other = await createJourney(b.manager, "same", ["for b"]);
    expect(other.messages).toEqual([{ text: "for b" }]);
    expect((await api("GET", "/v1/journeys/same", { key: a.manager })).body.journey.messages).toEqual([
      { text: "for a" },
    ]);
  });

  it.each([
    ["no id", { name: "n", messages: [{ text: "t" }] }, ["id"]],
    ["an id with a space", journeyBody("my journey"), ["id"]],
    ["an id of 101 characters", { ...journeyBody("j".repeat(101)), name: "n" }, ["id"]],
    ["an empty id", journeyBody(""), ["id"]],
    ["no name", { id: "j", messages: [{ text: "t" }] }, ["name"]],
    ["a blank name", { ...journeyBody("j"), name: "   " }, ["name"]],
    ["no messages", { id: "j", name: "n" }, ["messages"]],
    ["an empty message list", { ...journeyBody("j"), messages: [] }, ["messages"]],
    [
      "eleven messages",
      journeyBody(
        "j",
        Array.from({ length: 11 }, (_, i) => `m${i}`),
      ),
      ["messages"],
    ],
    ["an empty text", journeyBody("j", ["ok", ""]), ["messages.1.text"]],
    ["a blank text", journeyBody("j", ["  \n "]), ["messages.0.text"]],
    ["a text over 4096 characters", journeyBody("j", ["x".repeat(4097)]), ["messages.0.text"]],
    ["a message without text", { ...journeyBody("j"), messages: [{ body: "hi" }] }, ["messages.0.text"]],
    ["a description that is not a string", { ...journeyBody("j"), description: 5 }, ["description"]],
  ])("400s %s, naming the field, and stores nothing", async (_label, body, fields) => {
    const p = await newProject();
    const result = await api("POST", "/v1/create/journey", { key: p.manager, body });
    expectError(result, 400, "validation_failed", fields);
    const list = await api("GET", "/v1/retrieve/journeys", { key: p.manager });
    expect(list.body.journeys).toEqual([]);
  });
});

describe("GET and POST /v1/retrieve/journeys", () => {
  it("lists oldest first, a page at a time, by GET and by POST alike", async () => {
    const p = await newProject();
    for (const id of ["a", "b", "c"]) await createJourney(p.manager, id, [`text ${id}`]);

    const first = await api("GET", "/v1/retrieve/journeys?limit=2", { key: p.manager });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe("success");
    expect(first.body.journeys.map((j: { id: string }) => j.id)).toEqual(["a", "b"]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api("GET", `/v1/retrieve/journeys?limit=2&cursor=${first.body.nextCursor}`, {
      key: p.manager,
    });
    expect(second.body).toMatchObject({ status: "success", nextCursor: null });
    expect(second.body.journeys.map((j: { id: string }) => j.id)).toEqual(["c"]);

    const posted = await api("POST", "/v1/retrieve/journeys", {
      key: p.manager,
      body: { limit: 2, cursor: first.body.nextCursor },
    });
    expect(posted.status).toBe(200);
    expect(posted.body).toEqual(second.body);
    const all = await api("POST", "/v1/retrieve/journeys", { key: p.manager, body: {} });
    expect(all.body.journeys.map((j: { id: string }) => j.id)).toEqual(["a", "b", "c"]);
    expect(all.body.journeys[2]).toMatchObject({ id: "c", name: "Journey c", messages: [{ text: "text c" }] });
  });

  it("answers POST without a body like an empty one", async () => {
    const p = await newProject();
    await createJourney(p.manager, "only");
    const result = await api("POST", "/v1/retrieve/journeys", { key: p.manager });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body.journeys.map((j: { id: string }) => j.id)).toEqual(["only"]);
  });

  it("answers POST with a JSON content type and no body (the reference document's curl) like an empty one", async () => {
    const p = await newProject();
    await createJourney(p.manager, "only");
    const result = await api("POST", "/v1/retrieve/journeys", {
      headers: { authorization: p.manager, "content-type": "application/json" },
    });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body.journeys.map((j: { id: string }) => j.id)).toEqual(["only"]);
  });

  it("shows only the project's own journeys", async () => {
    const a = await newProject();
    const b = await newProject();
    await createJourney(a.manager, "mine");
    const list = await api("GET", "/v1/retrieve/journeys", { key: b.manager });
    expect(list.body).toEqual({ status: "success", journeys: [], nextCursor: null });
  });

  it.each([
    ["GET", "/v1/retrieve/journeys?limit=0", "limit", "query", undefined],
    ["GET", "/v1/retrieve/journeys?limit=501", "limit", "query", undefined],
    ["GET", "/v1/retrieve/journeys?cursor=nonsense", "cursor", "query", undefined],
    ["POST", "/v1/retrieve/journeys", "limit", "body", { limit: "many" }],
    ["POST", "/v1/retrieve/journeys", "cursor", "body", { cursor: "nonsense" }],
  ])("%s %s 400s a bad %s (in the %s)", async (method, path, field, where, body) => {
    const p = await newProject();
    const result = await api(method, path, { key: p.manager, body });
    expectError(result, 400, "validation_failed", [field as string]);
    expect(result.body.error.fields[0].in).toBe(where);
  });
});

describe("GET and DELETE /v1/journeys/{id}", () => {
  it("deletes a journey, answering it, after which it is gone", async () => {
    const p = await newProject();
    const journey = await createJourney(p.manager, "bye", ["one", "two"]);
    const deleted = await api("DELETE", "/v1/journeys/bye", { key: p.manager });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ status: "success", journey });
    expectError(await api("GET", "/v1/journeys/bye", { key: p.manager }), 404, "not_found");
    expectError(await api("DELETE", "/v1/journeys/bye", { key: p.manager }), 404, "not_found");
    // The id is free again.
    await createJourney(p.manager, "bye", ["three"]);
  });

  it("404s an unknown id and 400s an id that cannot be one", async () => {
    const p = await newProject();
    expectError(await api("GET", "/v1/journeys/nope", { key: p.manager }), 404, "not_found");
    expectError(await api("GET", `/v1/journeys/${"j".repeat(101)}`, { key: p.manager }), 400, "validation_failed", [
      "id",
    ]);
  });
});

describe("journeys: credentials, roles and tenancy", () => {
  const routes = (id: string) =>
    [
      ["POST", "/v1/create/journey", journeyBody(`${id}-new`)],
      ["GET", "/v1/retrieve/journeys", undefined],
      ["POST", "/v1/retrieve/journeys", {}],
      ["GET", `/v1/journeys/${id}`, undefined],
      ["DELETE", `/v1/journeys/${id}`, undefined],
    ] as const;

  it("401s every route without a key or with an unknown one", async () => {
    const p = await newProject();
    await createJourney(p.manager, "guarded");
    for (const [method, path, body] of routes("guarded")) {
      expectError(await api(method, path, { body }), 401, "unauthorized");
      expectError(await api(method, path, { body, key: "wak_not-a-key" }), 401, "unauthorized");
    }
  });

  it("403s every route for a sender key: journeys are a manager's", async () => {
    const p = await newProject();
    await createJourney(p.manager, "guarded");
    for (const [method, path, body] of routes("guarded")) {
      expectError(await api(method, path, { body, key: p.sender }), 403, "forbidden");
    }
    expect((await api("GET", "/v1/journeys/guarded", { key: p.manager })).status).toBe(200);
  });

  it("404s another project's journey exactly like one that does not exist, and deletes nothing", async () => {
    const a = await newProject();
    const b = await newProject();
    await createJourney(a.manager, "theirs");
    const other = await api("GET", "/v1/journeys/theirs", { key: b.manager });
    const missing = await api("GET", "/v1/journeys/never", { key: b.manager });
    expectError(other, 404, "not_found");
    expect(other.body.error).toEqual(missing.body.error);
    expectError(await api("DELETE", "/v1/journeys/theirs", { key: b.manager }), 404, "not_found");
    expect((await api("GET", "/v1/journeys/theirs", { key: a.manager })).status).toBe(200);
  });
});
