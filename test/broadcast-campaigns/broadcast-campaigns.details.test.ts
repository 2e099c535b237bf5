import { exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { csvCell } from "../../src/features/broadcast-campaigns/recipients";
import { call, expectError, newProject, type Project } from "../helpers";
import { createOk, minimal } from "../templates/templates.helpers";
import { createCampaignOk, insertManyMessages, insertMessages, insertRun } from "./broadcast.helpers";

const DETAILS = "/v1/retrieve/campaign";
const HEADER =
  "number,status,action,runId,messageId,sentAt,deliveredAt,readAt,failedAt,errorCode,errorReason,skipReason";

let p: Project;
let campaignId: string;
let ALL: ReturnType<typeof recipients>;
// D1 is shared by the tests of a file: every id is made unique to its test.
let tag = 0;
const id = (name: string) => `${name}_${tag}`;
async function seed() {
  tag++;
  p = await newProject("campaign details");
  campaignId = (await createCampaignOk(p.manager, { title: "Details", message: "Hello there." })).campaign.campaignId;
  await insertRun(p.id, campaignId, id("run_1"), "completed", 1);
  await insertRun(p.id, campaignId, id("run_2"), "sending", 2);
  await insertMessages(p.id, campaignId, [
    {
      id: id("msg_1"),
      runId: id("run_1"),
      number: "+919800000001",
      status: "read",
      sentAt: 1e12,
      deliveredAt: 1e12 + 1000,
      readAt: 1e12 + 2000,
    },
    {
      id: id("msg_2"),
      runId: id("run_1"),
      number: "+919800000002",
      status: "failed",
      failedAt: 1e12,
      errorCode: 131026,
      errorTitle: "Message undeliverable",
      errorMessage: 'Unable to deliver, "not on WhatsApp",\nsee docs',
    },
    {
      id: id("msg_3"),
      runId: id("run_1"),
      number: "+919800000003",
      status: "skipped",
      skipReason: "missing_variable:users.first_name",
    },
    { id: id("msg_4"), runId: id("run_2"), number: "+919800000001", status: "queued" },
  ]);
  ALL = recipients();
}

const recipient = (overrides: Record<string, unknown>) => ({
  sentAt: null,
  deliveredAt: null,
  readAt: null,
  failedAt: null,
  errorCode: null,
  errorReason: null,
  skipReason: null,
  ...overrides,
});

const recipients = () => [
  recipient({
    number: "+919800000001",
    status: "read",
    action: "read",
    runId: id("run_1"),
    messageId: id("msg_1"),
    sentAt: "2001-09-09T01:46:40.000Z",
    deliveredAt: "2001-09-09T01:46:41.000Z",
    readAt: "2001-09-09T01:46:42.000Z",
  }),
  recipient({
    number: "+919800000002",
    status: "failed",
    action: "failed",
    runId: id("run_1"),
    messageId: id("msg_2"),
    failedAt: "2001-09-09T01:46:40.000Z",
    errorCode: 131026,
    errorReason: 'Unable to deliver, "not on WhatsApp",\nsee docs',
  }),
  recipient({
    number: "+919800000003",
    status: "skipped",
    action: "skipped",
    runId: id("run_1"),
    messageId: id("msg_3"),
    skipReason: "missing_variable:users.first_name",
  }),
  recipient({
    number: "+919800000001",
    status: "queued",
    action: "queued",
    runId: id("run_2"),
    messageId: id("msg_4"),
  }),
];

describe("GET and POST /v1/retrieve/campaign", () => {
  beforeEach(seed);

  it("answers every recipient of every run as a JSON array (the document's POST)", async () => {
    const result = await call("POST", DETAILS, { key: p.manager, body: { campaignId } });
    expect(result.status).toBe(200);
    expect(result.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(result.body).toEqual(ALL);
  });

  it("answers CSV with a header row, RFC 4180 quoting and empty cells for nulls (the document's csv curl)", async () => {
    const result = await call("POST", DETAILS, { key: p.manager, body: { campaignId, format: "csv" } });
    expect(result.status).toBe(200);
    expect(result.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(result.headers.get("content-disposition")).toBe(`attachment; filename="${campaignId}.csv"`);
    expect(result.body).toBe(
      [
        HEADER,
        `+919800000001,read,read,${id("run_1")},${id("msg_1")},2001-09-09T01:46:40.000Z,2001-09-09T01:46:41.000Z,2001-09-09T01:46:42.000Z,,,,`,
        `+919800000002,failed,failed,${id("run_1")},${id("msg_2")},,,,2001-09-09T01:46:40.000Z,131026,"Unable to deliver, ""not on WhatsApp"",\nsee docs",`,
        `+919800000003,skipped,skipped,${id("run_1")},${id("msg_3")},,,,,,,missing_variable:users.first_name`,
        `+919800000001,queued,queued,${id("run_2")},${id("msg_4")},,,,,,,`,
        "",
      ].join("\r\n"),
    );
  });

  it("filters on runId, by GET too", async () => {
    const result = await call("GET", `${DETAILS}?campaignId=${campaignId}&runId=${id("run_2")}`, { key: p.manager });
    expect(result.status).toBe(200);
    expect(result.body).toEqual([ALL[3]]);
  });

  it("filters on status (comma-separated) and on the error code, in JSON, CSV and pages", async () => {
    const failed = await call("GET", `${DETAILS}?campaignId=${campaignId}&status=failed`, { key: p.manager });
    expect(failed.body).toEqual([ALL[1]]);
    const some = await call("POST", DETAILS, { key: p.manager, body: { campaignId, status: "queued, read" } });
    expect(some.body).toEqual([ALL[0], ALL[3]]);
    const code = await call("GET", `${DETAILS}?campaignId=${campaignId}&errorCode=131026&format=csv`, {
      key: p.manager,
    });
    expect(code.body).toBe(
      `${HEADER}\r\n+919800000002,failed,failed,${id("run_1")},${id("msg_2")},,,,2001-09-09T01:46:40.000Z,131026,"Unable to deliver, ""not on WhatsApp"",\nsee docs",\r\n`,
    );
    const none = await call("POST", DETAILS, {
      key: p.manager,
      body: { campaignId, status: "read", errorCode: 131026 },
    });
    expect(none.body).toEqual([]);
    const first = await call("GET", `${DETAILS}?campaignId=${campaignId}&status=skipped,queued&limit=1`, {
      key: p.manager,
    });
    expect(first.body).toEqual([ALL[2]]);
    const cursor = first.headers.get("x-next-cursor");
    const second = await call(
      "GET",
      `${DETAILS}?campaignId=${campaignId}&status=skipped,queued&limit=1&cursor=${cursor}`,
      {
        key: p.manager,
      },
    );
    expect(second.body).toEqual([ALL[3]]);
    expect(second.headers.get("x-next-cursor")).toBeNull();
  });

  it("refuses an unknown status or a bad error code, naming the field", async () => {
    expectError(
      await call("POST", DETAILS, { key: p.manager, body: { campaignId, status: "failed,lost" } }),
      400,
      "validation_failed",
      ["status"],
    );
    expectError(
      await call("GET", `${DETAILS}?campaignId=${campaignId}&errorCode=abc`, { key: p.manager }),
      400,
      "validation_failed",
      ["errorCode"],
    );
    expectError(
      await call("GET", `${DETAILS}?campaignId=${campaignId}&errorCode=-1`, { key: p.manager }),
      400,
      "validation_failed",
      ["errorCode"],
    );
  });

  it("pages with limit, the next cursor in X-Next-Cursor", async () => {
    const pages: unknown[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = `campaignId=${campaignId}&limit=3${cursor ? `&cursor=${cursor}` : ""}`;
      const result = await call("GET", `${DETAILS}?${query}`, { key: p.manager });
      expect(result.status).toBe(200);
      pages.push(result.body);
      cursor = result.headers.get("x-next-cursor");
    } while (cursor !== null);
    expect(pages).toEqual([ALL.slice(0, 3), ALL.slice(3)]);
    const csv = await call("GET", `${DETAILS}?campaignId=${campaignId}&limit=1&format=csv`, { key: p.manager });
    expect(csv.body).toBe(
      `${HEADER}\r\n+919800000001,read,read,${id("run_1")},${id("msg_1")},2001-09-09T01:46:40.000Z,2001-09-09T01:46:41.000Z,2001-09-09T01:46:42.000Z,,,,\r\n`,
    );
    expect(csv.headers.get("x-next-cursor")).toEqual(expect.any(String));
  });

  it("streams thousands of recipients page by page, in order, as JSON and CSV", async () => {
    await insertRun(p.id, campaignId, id("run_3"), "completed", 3);
    await insertManyMessages(p.id, campaignId, id("run_3"), 1234);
    const json = await call("POST", DETAILS, { key: p.manager, body: { campaignId, runId: id("run_3") } });
    expect(json.status).toBe(200);
    expect(json.body).toHaveLength(1234);
    expect(json.body[0]).toMatchObject({ number: "+919800000000", messageId: `${id("run_3")}_0000000000000000` });
    expect(json.body[1233]).toMatchObject({ number: "+919800001233", status: "sent" });
    expect(new Set(json.body.map((r: { messageId: string }) => r.messageId)).size).toBe(1234);
    const csv = await call("GET", `${DETAILS}?campaignId=${campaignId}&format=csv`, { key: p.manager });
    const lines = (csv.body as string).split("\r\n");
    expect(lines).toHaveLength(1 + 4 + 1234 + 1);
    expect(lines[0]).toBe(HEADER);
    expect(lines.at(-1)).toBe("");
  });

  it("answers an empty array, or just the header, for a campaign nobody was sent", async () => {
    const { campaign } = await createCampaignOk(p.manager, { title: "Unsent", message: "Hi." });
    expect((await call("POST", DETAILS, { key: p.manager, body: { campaignId: campaign.campaignId } })).body).toEqual(
      [],
    );
    const csv = await call("POST", DETAILS, {
      key: p.manager,
      body: { campaignId: campaign.campaignId, format: "csv" },
    });
    expect(csv.body).toBe(`${HEADER}\r\n`);
  });

  it("404s another project's campaign, an API campaign, an unknown id, and a run of another campaign", async () => {
    const other = await newProject("other");
    const theirs = (await createCampaignOk(other.manager, { title: "Theirs", message: "Hi." })).campaign.campaignId;
    const template = await createOk(p.manager, minimal());
    const api = await call("POST", "/v1/api-campaigns", {
      key: p.manager,
      body: { name: "api", templateId: template.id },
    });
    for (const id of [theirs, api.body.id, "cmp_unknown"]) {
      const result = await call("POST", DETAILS, { key: p.manager, body: { campaignId: id } });
      expectError(result, 404, "not_found");
      expect(result.body.error.message).toBe("campaign not found");
    }
    const { campaign } = await createCampaignOk(p.manager, { title: "Second", message: "Hi." });
    const result = await call("POST", DETAILS, {
      key: p.manager,
      body: { campaignId: campaign.campaignId, runId: id("run_1") },
    });
    expectError(result, 404, "not_found");
    expect(result.body.error.message).toBe("run not found");
  });

  it("400s bad parameters, naming them", async () => {
    expectError(await call("POST", DETAILS, { key: p.manager, body: {} }), 400, "validation_failed", ["campaignId"]);
    expectError(await call("GET", DETAILS, { key: p.manager }), 400, "validation_failed", ["campaignId"]);
    expectError(
      await call("POST", DETAILS, { key: p.manager, body: { campaignId, format: "xml" } }),
      400,
      "validation_failed",
      ["format"],
    );
    expectError(
      await call("POST", DETAILS, { key: p.manager, body: { campaignId, limit: 501 } }),
      400,
      "validation_failed",
      ["limit"],
    );
    expectError(
      await call("POST", DETAILS, { key: p.manager, body: { campaignId, cursor: "bad" } }),
      400,
      "validation_failed",
      ["cursor"],
    );
  });

  it("401s without a key and 403s a sender key", async () => {
    expectError(await call("POST", DETAILS, { body: { campaignId } }), 401, "unauthorized");
    expectError(await call("POST", DETAILS, { key: p.sender, body: { campaignId } }), 403, "forbidden");
    expectError(await call("GET", `${DETAILS}?campaignId=${campaignId}`, { key: p.sender }), 403, "forbidden");
  });

  it("accepts the document's curl: JSON content type, body with campaignId and format", async () => {
    const response = await exports.default.fetch(
      new Request(`https://api.test${DETAILS}`, {
        method: "POST",
        headers: { authorization: p.manager, "content-type": "application/json" },
        body: JSON.stringify({ campaignId, format: "csv" }),
      }),
    );
    expect(response.status).toBe(200);
    expect((await response.text()).split("\r\n")[0]).toBe(HEADER);
  });
});

describe("csvCell", () => {
  it.each([
    [null, ""],
    [131026, "131026"],
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["line\nbreak", '"line\nbreak"'],
    ["cr\rhere", '"cr\rhere"'],
    ["+919800000001", "+919800000001"],
    ["=HYPERLINK(1)", "'=HYPERLINK(1)"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["-1+2", "'-1+2"],
    ["+cmd", "'+cmd"],
  ])("%j → %j", (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });
});
