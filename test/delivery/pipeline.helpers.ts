import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { call, newProject, runQueueBatch } from "../helpers";
import { drainWebhooks, registerAccount, type StandInAccount } from "../standin/standin.helpers";

/** A new project connected to a fresh Meta account at the stand-in. */
export async function connectedProject(
  options: { autoApprove?: boolean; throughput?: number; marketingMessagesApi?: boolean; messagingLimit?: string } = {},
) {
  const account = await registerAccount({
    autoApprove: options.autoApprove ?? false,
    ...(options.messagingLimit ? { messagingLimit: options.messagingLimit } : {}),
  });
  const p = await newProject();
  const put = await call("PUT", `/v1/admin/projects/${p.id}/whatsapp`, {
    admin: true,
    body: {
      provider: "meta",
      phoneNumberId: account.phoneNumberId,
      wabaId: account.wabaId,
      accessToken: account.accessToken,
      appSecret: account.appSecret,
      appId: account.appId,
      verifyToken: `verify-${p.id}`,
      throughput: options.throughput ?? 80,
      ...(options.marketingMessagesApi !== undefined ? { marketingMessagesApi: options.marketingMessagesApi } : {}),
    },
  });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  return { p, account };
}

/**
 * Delivers the stand-in's queued webhooks (template reviews, statuses) to the Worker, as Meta would;
 * optionally each twice, or in reverse order.
 */
export async function deliverWebhooks(
  account: StandInAccount,
  options: { duplicate?: boolean; reverse?: boolean } = {},
) {
  let hooks = await drainWebhooks(account);
  if (options.duplicate) hooks = [...hooks, ...hooks];
  if (options.reverse) hooks = [...hooks].reverse();
  for (const hook of hooks) {
    const response = await exports.default.fetch(
      new Request("https://api.test/webhooks/whatsapp", {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": hook.signature },
        body: hook.body,
      }),
    );
    expect(response.status).toBe(200);
  }
  return hooks.length;
}

/** A project on a Meta account at the stand-in (templates approved at once), with a live API campaign. */
export async function metaCampaign(throughput = 80) {
  const { p, account } = await connectedProject({ autoApprove: true, throughput });
  const template = await call("POST", "/v1/templates", {
    key: p.manager,
    body: {
      name: "order_update",
      language: "en_US",
      category: "UTILITY",
      body: { text: "Hi {{1}}, your order {{2}} is on its way.", examples: ["Asha", "#1"] },
    },
  });
  expect(template.status, JSON.stringify(template.body)).toBe(201);
  expect(template.body.status).toBe("APPROVED");
  const campaign = await call("POST", "/v1/api-campaigns", {
    key: p.manager,
    body: { name: "orders", templateId: template.body.id },
  });
  expect(campaign.status).toBe(201);
  return { p, account, campaignId: campaign.body.id as string, templateId: template.body.id as string };
}

/** Runs the Worker's queue handler on one batch and returns what it decided, with each retry's delay by message. */
export async function runQueue(queue: string, bodies: unknown[], attempts = 1) {
  const { result, retried } = await runQueueBatch(
    queue,
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })),
  );
  const delays = Object.fromEntries(retried.map((r) => [r.msgId, r.delaySeconds]));
  return { ...result, delays };
}

let seq = 0;
/** An accepted API send exactly as the endpoint puts it on the sends queue. */
export function apiJob(projectId: string, campaignId: string, templateId: string, number = "+917428526285") {
  seq += 1;
  return {
    kind: "api-send",
    projectId,
    messageId: `msg_test${Date.now().toString(16)}${String(seq).padStart(6, "0")}`,
    campaignId,
    templateId,
    category: "UTILITY",
    contact: { number, name: "Asha" },
    payload: {
      to: number,
      template: { name: "order_update", language: "en_US", category: "UTILITY" },
      body: ["Asha", "#1"],
    },
    acceptedAt: Date.now(),
  } as const;
}
