import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addressOf, sendTemplateBody } from "../../src/whatsapp/meta/send-payloads";
import { connectedProject, deliverWebhooks } from "../delivery/pipeline.helpers";
import { db } from "../helpers";
import { eventually, getMessage, insertQueuedMessage } from "../messages/messages.helpers";
import { receivedSends, seedTemplate } from "../standin/standin.helpers";

// A person known only by a business-scoped user id (BSUID) keeps it as their contact's number.
// Meta takes a phone number as `to` and a BSUID as `recipient`: a BSUID's digits must never go out
// as a phone number, which could be someone else's.

const BSUID = "US.13491208655302741918";

describe("sending to a business-scoped user id", { timeout: 30_000 }, () => {
  it("addresses a BSUID as `recipient` and a number as `to`", () => {
    expect(addressOf(BSUID)).toEqual({ recipient: BSUID });
    expect(addressOf("US.ENT.11815799212886844830")).toEqual({ recipient: "US.ENT.11815799212886844830" });
    expect(addressOf("+917428526285")).toEqual({ to: "917428526285" });
    const body = sendTemplateBody({ to: BSUID, template: { name: "t", language: "en_US" }, body: [] });
    expect(body).not.toHaveProperty("to");
    expect(body).toMatchObject({ recipient: BSUID, recipient_type: "individual" });
  });

  it("sends a queued message to a BSUID-only contact through Meta, and applies its statuses", async () => {
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
      number: BSUID,
      templateId: null,
      payload: { to: BSUID, template: { name: "order_update", language: "en_US" }, body: ["Asha", "#1042"] },
    });
    await env.SENDS.send({ kind: "send", projectId: p.id, messageId: id });
    await eventually(
      () => getMessage(p.sender, id),
      (r) => r.body.status === "sent",
    );
    const sends = await receivedSends(account);
    expect(sends).toHaveLength(1);
    expect(sends[0]?.accepted).toBe(true);
    expect(sends[0]?.body).toMatchObject({ recipient: BSUID, type: "template" });
    expect(sends[0]?.body).not.toHaveProperty("to");
    // Meta reports the message by the user's id, with no phone number: the statuses still apply.
    expect(await deliverWebhooks(account)).toBe(3);
    const read = await eventually(
      () => getMessage(p.sender, id),
      (r) => r.body.status === "read",
    );
    expect(read.body).toMatchObject({ number: BSUID, status: "read" });
  });
});
