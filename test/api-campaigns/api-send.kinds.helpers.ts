import { expect } from "vitest";
import { connectedProject } from "../delivery/pipeline.helpers";
import { call, type Project } from "../helpers";
import { eventually, getMessage } from "../messages/messages.helpers";
import { receivedSends, type StandInAccount, seedTemplate } from "../standin/standin.helpers";
import { SEND_PATH } from "./api-send.helpers";

// One template kind at a time through the whole path: a template created here (or seeded at the
// stand-in and synced), an API campaign on it, a POST of the reference's body plus the kind's
// optional fields, and the send the stand-in checked and accepted, as Meta would.

export interface KindsProject {
  p: Project;
  account: StandInAccount;
}

/** A project on a Meta account at the stand-in that approves templates at once. */
export const kindsProject = async (): Promise<KindsProject> => connectedProject({ autoApprove: true });

let campaigns = 0;

/** Creates the template through the API and a live API campaign on it; returns the campaign's name. */
export async function campaignWith(k: KindsProject, template: Record<string, unknown>) {
  const created = await call("POST", "/v1/templates", { key: k.p.manager, body: template });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.status).toBe("APPROVED");
  return { ...(await campaignOn(k, created.body.id)), template: created.body };
}

/** Seeds a template at the stand-in in Meta's own shape, syncs, and starts a campaign on it. */
export async function syncedCampaign(k: KindsProject, seed: Parameters<typeof seedTemplate>[1]) {
  await seedTemplate(k.account, seed);
  const sync = await call("POST", "/v1/templates/sync", { key: k.p.manager });
  expect(sync.status, JSON.stringify(sync.body)).toBe(200);
  const listed = await call("GET", `/v1/templates?name=${seed.name}`, { key: k.p.sender });
  const [template] = listed.body.data;
  expect(template, `${seed.name} was not imported`).toBeDefined();
  return { ...(await campaignOn(k, template.id)), template };
}

async function campaignOn(k: KindsProject, templateId: string) {
  campaigns += 1;
  const name = `kinds_${campaigns}`;
  const campaign = await call("POST", "/v1/api-campaigns", { key: k.p.manager, body: { name, templateId } });
  expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
  return { campaignName: name, campaignId: campaign.body.id as string };
}

let recipients = 0;
/** A fresh recipient, so that each send is found by its number at the stand-in. */
export const nextRecipient = () => `+9174285${String(40000 + ++recipients).padStart(5, "0")}`;

/** POSTs an API send and answers the send Meta received once the message is `sent`. */
export async function sendToStandIn(k: KindsProject, campaignName: string, fields: Record<string, unknown>) {
  const destination = nextRecipient();
  const answer = await call("POST", SEND_PATH, {
    body: { apiKey: k.p.sender, campaignName, destination, userName: "Asha", ...fields },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  const message = await eventually(
    () => getMessage(k.p.sender, answer.body.messageId),
    (r) => r.body.status === "sent" || r.body.status === "failed",
  );
  const sends = await receivedSends(k.account);
  const mine = sends.filter((s) => (s.body as { to?: string }).to === destination.slice(1));
  expect(mine.map((s) => s.errorCode)).toEqual([null]);
  expect(message.body.status, JSON.stringify(message.body.error)).toBe("sent");
  const [accepted] = mine as { body: { template: { components?: unknown[] } } }[];
  if (!accepted) throw new Error("the stand-in received no send");
  return accepted.body.template;
}

/** POSTs an API send the API must refuse, and answers its error fields. */
export async function refused(k: KindsProject, campaignName: string, fields: Record<string, unknown>) {
  const answer = await call("POST", SEND_PATH, {
    body: { apiKey: k.p.sender, campaignName, destination: nextRecipient(), userName: "Asha", ...fields },
  });
  expect(answer.status, JSON.stringify(answer.body)).toBe(400);
  return answer.body.error.fields as { field: string; message: string }[];
}
