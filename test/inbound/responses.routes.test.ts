import { describe, expect, it } from "vitest";
import { handleWebhookEvent } from "../../src/features/webhooks/apply";
import { createLogger } from "../../src/platform/log";
import { setup } from "../api-campaigns/api-send.helpers";
import { call, db, expectError, newProject, walkPages } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import {
  attachMetaAccount,
  buttonReply,
  inbound,
  messagesValue,
  NUMBER,
  newWamid,
  payloadOf,
  postSigned,
  press,
  sentMessage,
  text,
} from "./inbound.helpers";

const path = (campaignId: string) => `/v1/campaigns/${campaignId}/responses`;

/** A project with an API campaign (a row in `campaigns`), returning the campaign's id. */
async function campaignProject() {
  const s = await setup();
  const listed = await call("GET", "/v1/api-campaigns", { key: s.manager });
  expect(listed.status).toBe(200);
  return { ...s, campaignId: listed.body.data[0].id as string };
}

describe("GET /v1/campaigns/{campaignId}/responses", () => {
  it("lists the campaign's responses, oldest first, and nothing else", async () => {
    const s = await campaignProject();
    const first = await sentMessage(s.id, { campaignId: s.campaignId });
    const second = await sentMessage(s.id, { campaignId: s.campaignId, runId: "run_7", number: "+14155550123" });
    const elsewhere = await sentMessage(s.id, { campaignId: "cmp_some_other_campaign" });
    await inbound(
      s.id,
      messagesValue([
        press("YES_PLEASE", "Yes, please", { context: first.wamid, at: 1_700_000_010 }),
        text("What colours?", { from: "14155550123", context: second.wamid, at: 1_700_000_020 }),
        press("NO", "No", { context: elsewhere.wamid, at: 1_700_000_030 }),
        press("NO", "No", { context: "wamid.unknown", at: 1_700_000_040 }),
        buttonReply("size-m", "Medium", { context: first.wamid, at: 1_700_000_050 }),
      ]),
    );
    const result = await call("GET", path(s.campaignId), { key: s.manager });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      data: [
        {
          number: NUMBER,
          kind: "button",
          payload: "YES_PLEASE",
          text: "Yes, please",
          messageId: first.id,
          runId: null,
          receivedAt: "2023-11-14T22:13:30.000Z",
        },
        {
          number: "+14155550123",
          kind: "text",
          payload: null,
          text: "What colours?",
          messageId: second.id,
          runId: "run_7",
          receivedAt: "2023-11-14T22:13:40.000Z",
        },
        {
          number: NUMBER,
          kind: "interactive",
          payload: "size-m",
          text: "Medium",
          messageId: first.id,
          runId: null,
          receivedAt: "2023-11-14T22:14:10.000Z",
        },
      ],
      nextCursor: null,
    });
  });

  it("answers an empty page for a campaign nobody answered", async () => {
    const s = await campaignProject();
    const result = await call("GET", path(s.campaignId), { key: s.manager });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: [], nextCursor: null });
  });

  it("pages with limit and cursor, every response exactly once", async () => {
    const s = await campaignProject();
    const ours = await sentMessage(s.id, { campaignId: s.campaignId });
    const payloads = ["P1", "P2", "P3", "P4", "P5"];
    await inbound(s.id, messagesValue(payloads.map((p) => press(p, p, { context: ours.wamid }))));
    const pages = await walkPages<{ payload: string }>(path(s.campaignId), 2, { key: s.manager });
    expect(pages.map((p) => p.data.map((r) => r.payload))).toEqual([["P1", "P2"], ["P3", "P4"], ["P5"]]);
    expect(pages.map((p) => p.nextCursor === null)).toEqual([false, false, true]);
  });

  it("keeps a cursor stable when responses arrive between pages", async () => {
    const s = await campaignProject();
    const ours = await sentMessage(s.id, { campaignId: s.campaignId });
    await inbound(
      s.id,
      messagesValue([press("A", "A", { context: ours.wamid }), press("B", "B", { context: ours.wamid })]),
    );
    const first = await call("GET", `${path(s.campaignId)}?limit=1`, { key: s.manager });
    expect(first.body.data.map((r: { payload: string }) => r.payload)).toEqual(["A"]);
    await inbound(s.id, messagesValue([press("C", "C", { context: ours.wamid })]));
    const rest = await call("GET", `${path(s.campaignId)}?cursor=${first.body.nextCursor}`, { key: s.manager });
    expect(rest.body.data.map((r: { payload: string }) => r.payload)).toEqual(["B", "C"]);
    expect(rest.body.nextCursor).toBeNull();
  });

  it("rejects a cursor it did not hand out, and limits out of range", async () => {
    const s = await campaignProject();
    expectError(await call("GET", `${path(s.campaignId)}?cursor=nope`, { key: s.manager }), 400, "validation_failed", [
      "cursor",
    ]);
    expectError(await call("GET", `${path(s.campaignId)}?limit=0`, { key: s.manager }), 400, "validation_failed", [
      "limit",
    ]);
    expectError(await call("GET", `${path(s.campaignId)}?limit=501`, { key: s.manager }), 400, "validation_failed", [
      "limit",
    ]);
  });

  it("404s another project's campaign, exactly as an unknown one", async () => {
    const s = await campaignProject();
    const ours = await sentMessage(s.id, { campaignId: s.campaignId });
    await inbound(s.id, messagesValue([press("YES", "Yes", { context: ours.wamid })]));
    const other = await newProject();
    const foreign = await call("GET", path(s.campaignId), { key: other.manager });
    const unknown = await call("GET", path("cmp_000000000000000000000000"), { key: other.manager });
    expectError(foreign, 404, "not_found");
    expectError(unknown, 404, "not_found");
    expect(foreign.body.error).toEqual(unknown.body.error);
  });

  it("is for managers: a sender key gets 403, no key 401", async () => {
    const s = await campaignProject();
    expectError(await call("GET", path(s.campaignId), { key: s.sender }), 403, "forbidden");
    expectError(await call("GET", path(s.campaignId)), 401, "unauthorized");
    // Credentials are checked before the query: a bad cursor without a key is still a 401.
    expectError(await call("GET", `${path(s.campaignId)}?cursor=nope`), 401, "unauthorized");
  });

  it("is documented in the OpenAPI document", async () => {
    const doc = await call("GET", "/openapi.json");
    const op = doc.body.paths["/v1/campaigns/{campaignId}/responses"].get;
    expect(op.security).toEqual([{ ApiKey: [] }]);
    expect(Object.keys(op.responses).sort()).toEqual(["200", "400", "401", "403", "404"]);
    expect(Object.keys(op.responses["200"].content["application/json"].schema.properties).sort()).toEqual([
      "data",
      "nextCursor",
    ]);
  });

  it("shows a press that came through the signed webhook, linked to the campaign's message", {
    timeout: 30_000,
  }, async () => {
    const s = await campaignProject();
    const account = await attachMetaAccount(s.id);
    const ours = await sentMessage(s.id, { campaignId: s.campaignId });
    const payload = payloadOf(
      account.wabaId,
      "messages",
      messagesValue(
        [press("YES", "Yes", { id: newWamid(), context: ours.wamid, at: 1_700_000_000 })],
        account.phoneNumberId,
      ),
    );
    expect(await postSigned(account.appSecret, payload)).toEqual({ status: 200, body: { received: 1 } });
    const expected = {
      data: [
        {
          number: NUMBER,
          kind: "button",
          payload: "YES",
          text: "Yes",
          messageId: ours.id,
          runId: null,
          receivedAt: "2023-11-14T22:13:20.000Z",
        },
      ],
      nextCursor: null,
    };
    const listed = await eventually(
      () => call("GET", path(s.campaignId), { key: s.manager }),
      (r) => r.status === 200 && r.body.data.length > 0,
    );
    expect(listed.body).toEqual(expected);
    // A redelivery of the same webhook to the consumer stores nothing new.
    await handleWebhookEvent(
      db(),
      { kind: "whatsapp-webhook", source: "meta", projectId: s.id, receivedAt: 0, payload },
      createLogger({ test: "responses" }, "error"),
    );
    expect((await call("GET", path(s.campaignId), { key: s.manager })).body).toEqual(expected);
  });
});
