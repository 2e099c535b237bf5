import { describe, expect, it } from "vitest";
import { Chat, type FetchLike } from "../../src/client/index";
import { newProject } from "../helpers";
import { BASE, rejection, worker } from "./client.helpers";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const clientOf = (key: string, fetch: FetchLike = worker, timeoutMs?: number) =>
  new Chat(key, { baseUrl: BASE, fetch, timeoutMs });

describe("client errors: the API's envelope", { timeout: 30_000 }, () => {
  it("rejects a bad field with 400, the code, the named fields and the request id", async () => {
    const p = await newProject();
    const error = await rejection(clientOf(p.manager).createAudience({ id: "not an id!", name: "Shoppers" }));
    expect(error).toMatchObject({ status: 400, code: "validation_failed", requestId: expect.stringMatching(UUID) });
    expect(error.fields.map((f) => [f.field, f.in])).toEqual([["id", "body"]]);
    expect(error.message).toContain("id");
  });

  it("rejects an invalid button with the button's field named", async () => {
    const p = await newProject();
    const error = await rejection(
      clientOf(p.manager).createCampaign({
        title: "Mixed buttons",
        message: "Hello",
        buttons: [
          { text: "Call us", type: "phone", phoneNumber: "+911234567890" },
          { text: "Reply", type: "input", input: "yes" },
        ],
      }),
    );
    expect(error).toMatchObject({ status: 400, code: "validation_failed" });
    expect(error.fields.length).toBeGreaterThan(0);
    for (const field of error.fields) expect(field.field).toMatch(/^buttons\.\d+\./);
  });

  it("rejects an unknown key with 401", async () => {
    const error = await rejection(clientOf("wak_unknown-key-000000000000000000000000000000").retrieveAudiences());
    expect(error).toMatchObject({ status: 401, code: "unauthorized", requestId: expect.stringMatching(UUID) });
    expect(error.fields).toEqual([]);
  });

  it("rejects a sender key on a manager route with 403", async () => {
    const p = await newProject();
    const error = await rejection(clientOf(p.sender).createAudience({ id: "shoppers", name: "Shoppers" }));
    expect(error).toMatchObject({ status: 403, code: "forbidden" });
  });

  it("rejects what does not exist, or is another project's, with 404", async () => {
    const [p, other] = await Promise.all([newProject(), newProject()]);
    const created = await clientOf(other.manager).createAudience({ id: "theirs", name: "Theirs" });
    expect(created.audience.id).toBe("theirs");
    const chat = clientOf(p.manager);
    const calls: [string, () => Promise<unknown>][] = [
      ["audience", () => chat.retrieveAudienceContacts({ id: "theirs" })],
      ["audience", () => chat.retrieveAudienceContacts({ id: "never-made" })],
      ["campaign", () => chat.retrieveCampaignDetails({ campaignId: "cmp_000000000000000000000000" })],
      ["import", () => chat.retrieveImport("imp_000000000000000000000000")],
      ["run", () => chat.retrieveRun("run_000000000000000000000000")],
      ["journey", () => chat.retrieveJourney("never-made")],
    ];
    for (const [what, call] of calls) {
      const error = await rejection(call());
      // The resource's own 404, not the router's "no route".
      expect(error).toMatchObject({ status: 404, code: "not_found", message: `${what} not found` });
      expect(error.requestId).toMatch(UUID);
    }
  });
});

describe("client errors: no answer, or not the API's answer", () => {
  it("rejects with `timeout` when fetch never settles, even one that ignores its signal", async () => {
    let signal: AbortSignal | undefined;
    const hang: FetchLike = (_, init) => {
      signal = init.signal ?? undefined;
      return new Promise<Response>(() => {});
    };
    const error = await rejection(clientOf("wak_k", hang, 20).retrieveAudiences());
    expect(error).toMatchObject({ status: 0, code: "timeout", fields: [], requestId: null });
    expect(error.message).toBe("no answer from GET /v1/retrieve/audiences within 20 ms");
    expect(signal?.aborted).toBe(true);
  });

  it("rejects with `timeout` when the answer's body stalls", async () => {
    const stall: FetchLike = async () => new Response(new ReadableStream({ start() {} }), { status: 200 });
    const error = await rejection(clientOf("wak_k", stall, 20).retrieveCampaigns());
    expect(error.code).toBe("timeout");
  });

  it("rejects with `network_error` when fetch throws, keeping the cause", async () => {
    const cause = new TypeError("connection refused");
    const broken: FetchLike = async () => {
      throw cause;
    };
    const error = await rejection(clientOf("wak_k", broken).createJourney({ id: "j", name: "J", messages: [] }));
    expect(error).toMatchObject({ status: 0, code: "network_error", requestId: null });
    expect(error.message).toBe("POST /v1/create/journey failed: connection refused");
    expect(error.cause).toBe(cause);
  });

  it("rejects a non-envelope error answer as `http_error` with its status and an excerpt", async () => {
    const proxy: FetchLike = async () =>
      new Response("<html>Bad gateway</html>", { status: 502, headers: { "x-request-id": "edge-1" } });
    const error = await rejection(clientOf("wak_k", proxy).retrieveAudiences());
    expect(error).toMatchObject({
      status: 502,
      code: "http_error",
      message: "HTTP 502: <html>Bad gateway</html>",
      requestId: "edge-1",
    });
  });

  it("rejects a success that is not JSON as `invalid_response`", async () => {
    const html: FetchLike = async () => new Response("<html>login</html>", { status: 200 });
    const error = await rejection(clientOf("wak_k", html).retrieveAudiences());
    expect(error).toMatchObject({ status: 200, code: "invalid_response" });
  });
});
