import { describe, expect, it } from "vitest";
import Chat, { type FetchLike, Chat as NamedChat } from "../../src/client/index";

const BASE = "https://example.test";
const KEY = "wak_unit-test-key-0000000000000000000000000000";

interface Sent {
  method: string;
  url: URL;
  headers: Headers;
  request: Request;
}

/** A fetch that records each request and answers from `reply` (JSON 200 `{}` by default). */
function recorder(reply: (sent: Sent) => Response = () => Response.json({})) {
  const sent: Sent[] = [];
  const fetch: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    const entry = { method: request.method, url: new URL(request.url), headers: request.headers, request };
    sent.push(entry);
    return reply(entry);
  };
  return { sent, chat: new Chat(KEY, { baseUrl: `${BASE}/`, fetch }) };
}

const only = (sent: Sent[]) => {
  expect(sent).toHaveLength(1);
  return sent[0] as Sent;
};

describe("client: the package entry", () => {
  it("exports the class as default and by name, as `import Chat from …` in the reference", () => {
    expect(Chat).toBe(NamedChat);
  });

  it("refuses to start without a key or a base URL, saying which is missing", () => {
    expect(() => new Chat("", { baseUrl: BASE })).toThrow("an API key is required");
    // The reference's `new Chat(API_KEY)`: there is no hosted default to fall back on.
    expect(() => new (Chat as any)(KEY)).toThrow("options.baseUrl is required");
    expect(() => new Chat(KEY, { baseUrl: "example.test" })).toThrow("options.baseUrl is required");
    expect(() => new Chat(KEY, { baseUrl: BASE, timeoutMs: 0 })).toThrow("timeoutMs");
  });
});

describe("client: requests", () => {
  it("sends the newest database bookmark an answer carried with each later read, so reads see its writes", async () => {
    const older = "00000001-00000002-00000003-0000000000000000000000000000000a";
    const newer = "00000001-00000002-00000004-0000000000000000000000000000000b";
    const answers = [newer, older, ""];
    const { sent, chat } = recorder(() => {
      const bookmark = answers.shift();
      return Response.json({}, { headers: bookmark ? { "x-d1-bookmark": bookmark } : {} });
    });
    await chat.retrieveAudiences();
    await chat.createAudience({ id: "a1", name: "A", contacts: [{ number: "1234567890" }] });
    await chat.retrieveAudiences();
    await chat.retrieveAudiences();
    expect(sent.map((s) => [s.method, s.headers.get("x-d1-bookmark")])).toEqual([
      ["GET", null],
      // A write starts on the primary: no bookmark sent.
      ["POST", null],
      // The older bookmark the POST answered with does not replace the newer one.
      ["GET", newer],
      ["GET", newer],
    ]);
  });

  it("sends the key raw in Authorization, JSON bodies, and paths under the base URL", async () => {
    const { sent, chat } = recorder();
    await chat.createAudience({ id: "a1", name: "A", contacts: [{ number: "1234567890" }] });
    const request = only(sent);
    expect(request.method).toBe("POST");
    expect(request.url.href).toBe(`${BASE}/v1/create/audience`);
    expect(request.headers.get("authorization")).toBe(KEY);
    expect(request.headers.get("content-type")).toBe("application/json");
    expect(await request.request.json()).toEqual({ id: "a1", name: "A", contacts: [{ number: "1234567890" }] });
  });

  it("puts createCampaign's options under `options`, with a Date's time as ISO", async () => {
    const { sent, chat } = recorder();
    const at = new Date("2031-05-06T07:08:09.000Z");
    await chat.createCampaign(
      { title: "T", message: "M" },
      { runImmediately: true, audiences: ["all"], timeToRun: at, whatsAppTemplateType: "MARKETING" },
    );
    await chat.createCampaign({ title: "T2", message: "M2" });
    const [withOptions, without] = sent.map((s) => s.request);
    expect(await withOptions?.json()).toEqual({
      title: "T",
      message: "M",
      options: {
        runImmediately: true,
        audiences: ["all"],
        timeToRun: "2031-05-06T07:08:09.000Z",
        whatsAppTemplateType: "MARKETING",
      },
    });
    expect(await without?.json()).toEqual({ title: "T2", message: "M2" });
  });

  it("passes a Unix timeToRun through untouched, and posts runs to /v1/run/campaign", async () => {
    const { sent, chat } = recorder();
    await chat.runCampaign({ campaignId: "cmp_1", audiences: ["all"], timeToRun: 1_900_000_000 });
    const request = only(sent);
    expect(request.url.pathname).toBe("/v1/run/campaign");
    expect(await request.request.json()).toEqual({ campaignId: "cmp_1", audiences: ["all"], timeToRun: 1_900_000_000 });
  });

  it("encodes ids in paths and sends list filters as a query", async () => {
    const { sent, chat } = recorder();
    await chat.pauseRun("run/../x");
    await chat.retrieveRuns({ campaignId: "cmp_1", status: "scheduled", limit: 10 });
    await chat.retrieveImport("imp 1");
    expect(sent.map((s) => `${s.method} ${s.url.pathname}${s.url.search}`)).toEqual([
      "POST /v1/runs/run%2F..%2Fx/pause",
      "GET /v1/runs?campaignId=cmp_1&status=scheduled&limit=10",
      "GET /v1/imports/imp%201",
    ]);
  });

  it("resolves CSV details to the text, and JSON details to the parsed array", async () => {
    const { chat } = recorder(({ request }) =>
      request.headers.get("accept") === "text/csv"
        ? new Response("number,status\n+911234567890,sent\n", { headers: { "content-type": "text/csv" } })
        : Response.json([{ number: "+911234567890", status: "sent" }]),
    );
    expect(await chat.retrieveCampaignDetails({ campaignId: "cmp_1", format: "csv" })).toBe(
      "number,status\n+911234567890,sent\n",
    );
    expect(await chat.retrieveCampaignDetails({ campaignId: "cmp_1" })).toEqual([
      { number: "+911234567890", status: "sent" },
    ]);
  });

  it("walks every page of variable groups by X-Next-Cursor, returning one array", async () => {
    const { sent, chat } = recorder(({ url }) =>
      url.searchParams.get("cursor") === "c2"
        ? Response.json([{ id: "g3" }])
        : Response.json([{ id: "g1" }, { id: "g2" }], { headers: { "x-next-cursor": "c2" } }),
    );
    const groups = await chat.retrieveVariableGroups();
    expect(groups.map((g) => g.id)).toEqual(["g1", "g2", "g3"]);
    expect(sent.map((s) => s.url.searchParams.get("cursor"))).toEqual([null, "c2"]);
  });

  it("answers the misspelt retrieveAudienceCotacts exactly like retrieveAudienceContacts", async () => {
    const { sent, chat } = recorder();
    await chat.retrieveAudienceCotacts({ id: "a1" });
    await chat.retrieveAudienceContacts({ id: "a1" });
    const [misspelt, proper] = sent;
    expect(misspelt?.url.href).toBe(proper?.url.href);
    expect(await misspelt?.request.text()).toBe(await proper?.request.text());
  });

  it("puts the key in the API-campaign body, not in a header, and forwards an idempotency key", async () => {
    const { sent, chat } = recorder();
    await chat.sendApiCampaign(
      { campaignName: "orders", destination: "+917428526285", userName: "Asha", templateParams: ["Asha"] },
      { idempotencyKey: "order-1042" },
    );
    const request = only(sent);
    expect(request.url.pathname).toBe("/campaign/t1/api/v2");
    expect(request.headers.get("authorization")).toBeNull();
    expect(request.headers.get("idempotency-key")).toBe("order-1042");
    expect(await request.request.json()).toEqual({
      campaignName: "orders",
      destination: "+917428526285",
      userName: "Asha",
      templateParams: ["Asha"],
      apiKey: KEY,
    });
  });
});

describe("client: CSV uploads as multipart", () => {
  const csv = "number,first_name\n+911234567890,John\n";
  const stream = () =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(csv));
        controller.close();
      },
    });

  it.each([
    ["a string", () => csv, "upload.csv"],
    ["a Blob", () => new Blob([csv]), "upload.csv"],
    ["a File", () => new File([csv], "shoppers.csv", { type: "text/csv" }), "shoppers.csv"],
    ["a stream", stream, "upload.csv"],
  ])("sends %s as the `file` part, with the documented fields", async (_, file, filename) => {
    const { sent, chat } = recorder(() => Response.json({}, { status: 202 }));
    await chat.createVariableGroupFromFile({ id: "g1", name: "Group", audienceId: "a1", file: file() });
    const request = only(sent);
    expect(request.url.pathname).toBe("/v1/create/variable/group/from/file");
    expect(request.headers.get("content-type")).toMatch(/^multipart\/form-data; boundary=/);
    const form = await request.request.formData();
    expect([form.get("id"), form.get("name"), form.get("audienceId")]).toEqual(["g1", "Group", "a1"]);
    const part = form.get("file") as File;
    expect(part.name).toBe(filename);
    expect(part.type).toMatch(/^text\/csv/);
    expect(await part.text()).toBe(csv);
  });

  it("leaves out audienceId when not given, and names the part as asked", async () => {
    const { sent, chat } = recorder(() => Response.json({}, { status: 202 }));
    await chat.createAudienceFromFile({ id: "a1", name: "Audience", file: csv, filename: "list.csv" });
    const form = await only(sent).request.formData();
    expect([...form.keys()].sort()).toEqual(["file", "id", "name"]);
    expect((form.get("file") as File).name).toBe("list.csv");
  });
});
