import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { call, newProject, type Project } from "../helpers";

export const SEND_PATH = "/campaign/t1/api/v2";

export interface Setup extends Project {
  campaignName: string;
  templateId: string;
}

/** A project with the tags/attributes the reference examples use, a template and a live campaign. */
export async function setup(
  template: Record<string, unknown> = {},
  options: { campaignName?: string; tags?: string[]; attributes?: string[] } = {},
): Promise<Setup> {
  const p = await newProject();
  for (const name of options.tags ?? ["vip"]) {
    expect((await call("POST", "/v1/tags", { key: p.manager, body: { name } })).status).toBe(201);
  }
  for (const name of options.attributes ?? ["city"]) {
    expect((await call("POST", "/v1/attributes", { key: p.manager, body: { name } })).status).toBe(201);
  }
  const created = await call("POST", "/v1/templates", {
    key: p.manager,
    body: {
      name: "order_update",
      language: "en_US",
      category: "UTILITY",
      body: { text: "Hi {{1}}, your order {{2}} is on its way." },
      ...template,
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const campaignName = options.campaignName ?? "order_updates";
  const campaign = await call("POST", "/v1/api-campaigns", {
    key: p.manager,
    body: { name: campaignName, templateId: created.body.id },
  });
  expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
  return { ...p, campaignName, templateId: created.body.id };
}

/**
 * Keeps the project's API messages in D1's messages table, whatever the deployment's API_MESSAGES:
 * for tests of the D1 ledger itself.
 */
export const keepApiInD1 = (projectId: string) =>
  env.DB.prepare("UPDATE projects SET api_messages = 'd1' WHERE id = ?").bind(projectId).run();

export const send = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call("POST", SEND_PATH, { body, headers });

/** The smallest valid send to the setup's campaign, its key in the body as the reference shows. */
export const base = (s: { sender: string; campaignName: string }) => ({
  apiKey: s.sender,
  campaignName: s.campaignName,
  destination: "+917428526285",
  userName: "Asha",
  templateParams: ["Asha", "#1"],
});
