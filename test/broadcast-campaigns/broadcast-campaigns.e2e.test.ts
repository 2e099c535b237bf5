import { describe, expect, it } from "vitest";
import { buttonPayload } from "../../src/features/broadcast-messages/payload";
import { numbers } from "../audiences/audiences.helpers";
import { call } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { audience, group, metaProject, ok, runReaches, sandboxProject } from "../runs/runs.helpers";
import { receivedSends } from "../standin/standin.helpers";

// Create with runImmediately, through the real Worker, queues and providers; then the campaign's
// results (from its statistics object) must agree with its per-recipient details.

// Sandbox test numbers: 0000 is not on WhatsApp, 1111 fails delivery after sent, 2222 is never read.
const SPECIAL = ["+917428520000", "+917428521111", "+917428522222"];

const retrieveCampaign = async (key: string, campaignId: string) => {
  const list = await ok(call("GET", "/v1/retrieve/campaigns", { key }), 200);
  return list.campaigns.find((c: { campaignId: string }) => c.campaignId === campaignId);
};

describe("create, run, retrieve", { timeout: 60_000 }, () => {
  it("sandbox: retrieved totals equal the per-recipient details, in JSON and CSV", async () => {
    const p = await sandboxProject();
    // The last member has no value for the variable: skipped, with the reason.
    const members = [...numbers(5, 100), ...SPECIAL, ...numbers(1, 150)];
    await audience(p.manager, "everyone", members, "Everyone");
    await group(
      p.manager,
      "users",
      ["first_name"],
      members.slice(0, -1).map((number, i) => ({ number, first_name: `Name${i}` })),
    );
    const created = await ok(
      call("POST", "/v1/create/campaign", {
        key: p.manager,
        body: {
          title: "End to end",
          message: "Hi {users.first_name}, this is for you.",
          buttons: [{ text: "Interested", type: "input" }],
          options: { runImmediately: true, audiences: ["Everyone"] },
        },
      }),
      201,
    );
    const { campaignId } = created.campaign;
    const runId = created.run.runId as string;
    await runReaches(p.manager, runId, ["completed"]);

    type Recipient = Record<string, string | number | null>;
    const totalsOf = (rows: Recipient[]) => {
      const count = (test: (r: Recipient) => boolean) => rows.filter(test).length;
      return {
        Queued: count((r) => r.status !== "skipped"),
        Sent: count((r) => r.sentAt !== null),
        Delivered: count((r) => r.deliveredAt !== null),
        Read: count((r) => r.readAt !== null),
        SendErrors: count((r) => r.status === "failed" && r.sentAt === null && r.errorCode !== 131026),
        DeliveryErrors: count((r) => r.status === "failed" && r.sentAt !== null && r.errorCode !== 131026),
        NumbersNotOnWhatsApp: count((r) => r.status === "failed" && r.errorCode === 131026),
        Skipped: count((r) => r.status === "skipped"),
      };
    };
    // Statuses arrive from the sandbox through the events queue, and the counters move with them:
    // read both until every message has its final status and the two agree.
    const settled = await eventually(
      async () => ({
        rows: (await ok(
          call("POST", "/v1/retrieve/campaign", { key: p.manager, body: { campaignId } }),
          200,
        )) as Recipient[],
        campaign: await retrieveCampaign(p.manager, campaignId),
      }),
      ({ rows, campaign }) =>
        rows.every(
          (r) => r.status === "read" || r.status === "failed" || r.status === "skipped" || r.number === SPECIAL[2],
        ) &&
        rows.some((r) => r.number === SPECIAL[2] && r.status === "delivered") &&
        JSON.stringify(totalsOf(rows)) ===
          JSON.stringify(Object.fromEntries(Object.keys(totalsOf(rows)).map((k) => [k, campaign.results[k]]))),
    );
    const { rows, campaign } = settled;
    const expected = totalsOf(rows);
    expect(rows).toHaveLength(9);
    expect(expected).toEqual({
      Queued: 8,
      Sent: 8,
      Delivered: 6,
      Read: 5,
      SendErrors: 0,
      DeliveryErrors: 1,
      NumbersNotOnWhatsApp: 1,
      Skipped: 1,
    });
    expect(rows.find((r) => r.status === "skipped")?.skipReason).toBe("missing_variable:users.first_name");
    expect(campaign.results).toMatchObject(expected);
    expect(campaign).toMatchObject({
      totalSent: expected.Sent,
      totalDelivered: expected.Delivered,
      totalRead: expected.Read,
      active: false,
    });
    expect(campaign.runs).toHaveLength(1);
    expect(campaign.runs[0]).toMatchObject({ runId, status: "completed", results: expect.objectContaining(expected) });

    const csv = await call("POST", "/v1/retrieve/campaign", { key: p.manager, body: { campaignId, format: "csv" } });
    const lines = (csv.body as string).trimEnd().split("\r\n");
    expect(lines).toHaveLength(1 + rows.length);
    expect(lines.slice(1).filter((l) => l.includes(",read,read,")).length).toBe(expected.Read);
  });

  it("Meta stand-in: body parameters by name, quick-reply payloads and a url suffix per recipient", async () => {
    const { p, account } = await metaProject(true);
    const [a, b] = numbers(2, 200) as [string, string];
    await audience(p.manager, "two", [a, b]);
    await group(
      p.manager,
      "users",
      ["first_name", "last_name", "link"],
      [
        { number: a, first_name: "Asha", last_name: "Rao", link: "inv-a" },
        { number: b, first_name: "Ben", last_name: "Ode", link: "inv-b" },
      ],
    );
    const created = await ok(
      call("POST", "/v1/create/campaign", {
        key: p.manager,
        body: {
          title: "Stand-in run",
          message: "Dear {users.last_name}, {users.first_name}: pay today, {users.first_name}.",
          buttons: [{ text: "Pay", type: "url", url: "https://pay.example.com/{users.link}" }],
          runImmediately: true,
          audiences: ["two"],
        },
      }),
      201,
    );
    expect(created.campaign.variables).toEqual(["users.last_name", "users.first_name"]);
    const sends = (
      await eventually(
        () => receivedSends(account),
        (s) => s.length === 2,
      )
    ).map((s) => s.body as any);
    const byNumber = new Map(sends.map((s) => [`+${String(s.to).replace(/^\+/, "")}`, s.template]));
    expect(byNumber.get(a)).toEqual({
      name: created.campaign.templateName,
      language: { code: "en_US" },
      components: [
        {
          type: "body",
          parameters: [
            { type: "text", text: "Rao", parameter_name: "last_name" },
            { type: "text", text: "Asha", parameter_name: "first_name" },
          ],
        },
        { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: "inv-a" }] },
      ],
    });
    expect(byNumber.get(b)?.components[1].parameters).toEqual([{ type: "text", text: "inv-b" }]);
  });

  it("Meta stand-in: journey buttons carry the campaign's button payload", async () => {
    const { p, account } = await metaProject(true);
    const [a] = numbers(1, 300) as [string];
    await audience(p.manager, "one", [a]);
    const journey = await call("POST", "/v1/create/journey", {
      key: p.manager,
      body: { id: "welcome", name: "Welcome", messages: [{ text: "Hello!" }] },
    });
    expect(journey.status, JSON.stringify(journey.body)).toBe(201);
    const created = await ok(
      call("POST", "/v1/create/campaign", {
        key: p.manager,
        body: {
          title: "Journey run",
          message: "Want the tour?",
          buttons: [
            { text: "Yes", type: "journey", journeyId: "welcome" },
            { text: "Later", type: "input" },
          ],
          options: { runImmediately: true, audiences: ["all"] },
        },
      }),
      201,
    );
    const [send] = (
      await eventually(
        () => receivedSends(account),
        (s) => s.length === 1,
      )
    ).map((s) => s.body as any);
    const { campaignId } = created.campaign;
    expect(send.template.components).toEqual([
      {
        type: "button",
        sub_type: "quick_reply",
        index: "0",
        parameters: [{ type: "payload", payload: buttonPayload({ campaignId, index: 0 }) }],
      },
      {
        type: "button",
        sub_type: "quick_reply",
        index: "1",
        parameters: [{ type: "payload", payload: buttonPayload({ campaignId, index: 1 }) }],
      },
    ]);
  });
});
