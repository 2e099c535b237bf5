import { describe, expect, it } from "vitest";
import { api, type CallResult, expectError, newProject } from "../helpers";

// Bad input on the routes whose own test files exercise only good input there: each answers 400
// in the error envelope, naming the field and where it was read from.

function expectField(result: CallResult, field: string, where: "body" | "query" | "path") {
  expectError(result, 400, "validation_failed", [field]);
  expect(result.body.error.fields[0].in).toBe(where);
}

const tooLong = "x".repeat(65);

describe("path parameters longer than any id", () => {
  it.each([
    ["GET", `/v1/templates/${tooLong}`, "id"],
    ["DELETE", `/v1/templates/${tooLong}`, "id"],
    ["GET", `/v1/api-campaigns/${tooLong}`, "id"],
    ["POST", `/v1/api-campaigns/${tooLong}/pause`, "id"],
    ["POST", `/v1/api-campaigns/${tooLong}/resume`, "id"],
    ["GET", `/v1/imports/${tooLong}`, "importId"],
    ["GET", `/v1/imports/${tooLong}/rejects`, "importId"],
    ["GET", `/v1/runs/${tooLong}`, "runId"],
    ["POST", `/v1/runs/${tooLong}/pause`, "runId"],
    ["POST", `/v1/runs/${tooLong}/resume`, "runId"],
    ["POST", `/v1/runs/${tooLong}/cancel`, "runId"],
    ["POST", `/v1/runs/${tooLong}/retry`, "runId"],
    ["DELETE", `/v1/journeys/${"j".repeat(101)}`, "id"],
  ])("%s %s names `%s`", async (method, path, field) => {
    const p = await newProject();
    expectField(await api(method, path, { key: p.manager }), field, "path");
  });

  it("PATCH /v1/api-campaigns/{id} names the path parameter", async () => {
    const p = await newProject();
    const result = await api("PATCH", `/v1/api-campaigns/${tooLong}`, { key: p.manager, body: { status: "paused" } });
    expectField(result, "id", "path");
  });
});

describe("query parameters", () => {
  it.each([
    ["/v1/imports/imp_x/rejects?limit=0", "limit"],
    ["/v1/runs?limit=501", "limit"],
    ["/v1/runs?cursor=bogus", "cursor"],
    ["/v1/retrieve/variable/group/values", "id"],
    ["/v1/retrieve/variable/group/values?id=users&limit=0", "limit"],
    ["/v1/retrieve/variable/group/values?id=users&cursor=bogus", "cursor"],
  ])("GET %s names `%s`", async (path, field) => {
    const p = await newProject();
    expectField(await api("GET", path, { key: p.manager }), field, "query");
  });
});

describe("retrieve calls by POST, with the body empty or left out", () => {
  it.each(["/v1/retrieve/audience/contacts", "/v1/retrieve/variable/group/values"])(
    "POST %s with an empty JSON body names `id`",
    async (path) => {
      const p = await newProject();
      const result = await api("POST", path, {
        key: p.manager,
        raw: "",
        headers: { "content-type": "application/json" },
      });
      expectField(result, "id", "body");
    },
  );

  it("POST /v1/retrieve/campaign without any body names `campaignId`", async () => {
    const p = await newProject();
    expectField(await api("POST", "/v1/retrieve/campaign", { key: p.manager }), "campaignId", "body");
  });

  it("a bad cursor in a POST body is named in the body", async () => {
    const p = await newProject();
    for (const path of ["/v1/retrieve/audiences", "/v1/retrieve/journeys", "/v1/retrieve/campaigns"]) {
      expectField(await api("POST", path, { key: p.manager, body: { cursor: "bogus" } }), "cursor", "body");
    }
  });
});
