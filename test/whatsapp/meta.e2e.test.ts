import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { connectedProject, deliverWebhooks } from "../delivery/pipeline.helpers";
import { call, db } from "../helpers";
import { eventually, getMessage, insertQueuedMessage } from "../messages/messages.helpers";
import { receivedSends, seedTemplate } from "../standin/standin.helpers";

// The whole Meta path through the real Worker: account set-up, template review by webhook,
// at-most-once sending through the sends queue, and signed status webhooks back in.

describe("Meta provider, end to end through the Worker", { timeout: 30_000 }, () => {
  it("creates a template as PENDING and approves it from Meta's status webhook", async () => {
    const { p, account } = await connectedProject();
    const created = await call("POST", "/v1/templates", {
      key: p.manager,
      body: {
        name: "order_shipped",
        language: "en_US",
        category: "UTILITY",
        body: { text: "Hi {{1}}, your order {{2}} has shipped.", examples: ["Asha", "#1042"] },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "PENDING", params: { body: 2 } });

    await seedTemplate(account, { name: "order_shipped", status: "APPROVED" });
    expect(await deliverWebhooks(account)).toBe(1);
    await eventually(
      () => call("GET", `/v1/templates/${created.body.id}`, { key: p.sender }),
      (r) => r.body.status === "APPROVED",
    );
  });

  it("sends once although the queue delivers the job twice, then applies shuffled, duplicated statuses", async () => {
    const { p, account } = await connectedProject();
    await seedTemplate(account, {
      name: "order_update",
      status: "APPROVED",
      category: "UTILITY",
      components: [{ type: "BODY", text: "Hi {{1}}, order {{2}} is on its way." }],
    });
    expect(await deliverWebhooks(account)).toBe(1); // the template's own status update
    const id = await insertQueuedMessage(db(), {
      projectId: p.id,
      number: "+917428526285",
      templateId: null,
      payload: { to: "+917428526285", template: { name: "order_update", language: "en_US" }, body: ["Asha", "#1042"] },
    });
    const job = { kind: "send", projectId: p.id, messageId: id };
    await env.SENDS.sendBatch([{ body: job }, { body: job }]);

    const sent = await eventually(
      () => getMessage(p.sender, id),
      (r) => r.body.status === "sent",
    );
    expect(sent.body.wamid).toEqual(expect.stringMatching(/^wamid\./));
    const sends = await receivedSends(account);
    expect(sends).toHaveLength(1);
    expect(sends[0]?.body).toMatchObject({
      messaging_product: "whatsapp",
      to: "917428526285",
      type: "template",
      template: {
        name: "order_update",
        language: { code: "en_US" },
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", text: "Asha" },
              { type: "text", text: "#1042" },
            ],
          },
        ],
      },
      biz_opaque_callback_data: `${id}||`,
    });

    // sent, delivered, read — each twice, newest first.
    expect(await deliverWebhooks(account, { duplicate: true, reverse: true })).toBe(6);
    const read = await eventually(
      () => getMessage(p.sender, id),
      (r) => r.body.status === "read",
    );
    // Each step at most once. A `delivered` that reaches the consumer after the `read` changes
    // nothing; one in the same batch is applied first (statuses are decided in lifecycle order).
    const history: string[] = read.body.history.map((h: { status: string }) => h.status);
    expect(history.filter((s) => s !== "delivered")).toEqual(["queued", "sending", "sent", "read"]);
    expect(history.filter((s) => s === "delivered").length).toBeLessThanOrEqual(1);
    expect(read.body.deliveredAt).not.toBeNull();
  });

  it("records Meta's permanent error on the message at once", async () => {
    const { p } = await connectedProject();
    const id = await insertQueuedMessage(db(), {
      projectId: p.id,
      number: "+917428526285",
      templateId: null,
      payload: { to: "+917428526285", template: { name: "never_created", language: "en_US" }, body: [] },
    });
    await env.SENDS.send({ kind: "send", projectId: p.id, messageId: id });
    const failed = await eventually(
      () => getMessage(p.sender, id),
      (r) => r.body.status === "failed",
    );
    expect(failed.body.error).toMatchObject({ code: 132001 });
    expect(failed.body.attempts).toBe(1);
  });

  it("imports the account's existing templates with sync", async () => {
    const { p, account } = await connectedProject();
    await seedTemplate(account, {
      name: "welcome",
      status: "APPROVED",
      category: "MARKETING",
      components: [{ type: "BODY", text: "Welcome, {{1}}!", example: { body_text: [["Asha"]] } }],
    });
    await seedTemplate(account, { name: "was_rejected", status: "REJECTED", rejectedReason: "INVALID_FORMAT" });
    const sync = await call("POST", "/v1/templates/sync", { key: p.manager });
    expect(sync.status).toBe(200);
    expect(sync.body).toMatchObject({ created: 2, updated: 0, unchanged: 0 });
    const listed = await call("GET", "/v1/templates?status=APPROVED", { key: p.sender });
    expect(listed.body.data.map((t: { name: string }) => t.name)).toEqual(["welcome"]);
    expect(listed.body.data[0].params).toEqual({ header: null, body: 1, buttons: [], quickReplies: [] });
  });
});
