import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import { numbers } from "../audiences/audiences.helpers";
import { call } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { audience, group, metaProject, ok, runReaches } from "../runs/runs.helpers";
import { metaProvider, receivedSends, type StandInAccount } from "../standin/standin.helpers";

// A broadcast campaign with two url buttons (one ending in a recipient's variable, one static), run
// on the Graph API stand-in to a small audience, with or without link-click tracking.

export const BUTTONS = [
  { type: "url", text: "Pay", url: "https://pay.example.com/i/{users.link}" },
  { type: "url", text: "Shop", url: "https://shop.example.com/sale" },
];

export async function sentCampaign(trackClicks: boolean | undefined, first: number, ledger: "d1" | "object" = "d1") {
  const { p, account } = await metaProject(true);
  await env.DB.prepare("UPDATE projects SET run_messages = ? WHERE id = ?").bind(ledger, p.id).run();
  const members = numbers(2, first);
  await audience(p.manager, "club", members);
  await group(
    p.manager,
    "users",
    ["first_name", "link"],
    members.map((number, i) => ({ number, first_name: `N${i}`, link: `inv-${i}?x=1` })),
  );
  const created = await ok(
    call("POST", "/v1/create/campaign", {
      key: p.manager,
      body: {
        title: `Links ${crypto.randomUUID().slice(0, 8)}`,
        message: "Hi {users.first_name}, your invoice is ready.",
        buttons: BUTTONS,
        ...(trackClicks === undefined ? {} : { trackClicks }),
        options: { runImmediately: true, audiences: ["club"] },
      },
    }),
    201,
  );
  const runId = created.run.runId as string;
  await runReaches(p.manager, runId, ["completed"]);
  const sends = await eventually(
    () => receivedSends(account),
    (s) => s.filter((x) => x.accepted).length === members.length,
  );
  return { p, account, members, campaign: created.campaign, runId, sends: sends.filter((s) => s.accepted) };
}

type Send = Awaited<ReturnType<typeof receivedSends>>[number];

/** The `button` components of the send to `number`, as Meta received them. */
export function buttonComponents(sends: Send[], number: string) {
  const send = sends.find((s) => `+${(s.body as { to: string }).to}` === number);
  if (!send) throw new Error(`no send to ${number}`);
  const components = (send.body as { template: { components: { type: string }[] } }).template.components;
  return components.filter((c) => c.type === "button");
}

/** The token a tracked button of the send to `number` carries. */
export function tokenOf(sends: Send[], number: string, index: number): string {
  const button = buttonComponents(sends, number).find((c) => (c as { index?: string }).index === String(index));
  return (button as unknown as { parameters: { text: string }[] }).parameters[0]?.text as string;
}

/** The stand-in's copy of the template, as Meta would list it. */
export async function remoteTemplate(account: StandInAccount, name: string) {
  const listed = await metaProvider(account).listTemplates();
  expect(listed.ok).toBe(true);
  return listed.ok ? listed.templates.find((t) => t.definition.name === name)?.definition : undefined;
}

/** Opens a tracked link as a phone would, without following the redirect. */
export async function follow(token: string) {
  const response = await exports.default.fetch(new Request(`https://api.test/l/${token}`, { redirect: "manual" }));
  return { status: response.status, headers: response.headers, body: await response.text() };
}

export function expectNotValid(result: { status: number; headers: Headers; body: string }) {
  expect(result.status).toBe(404);
  expect(result.headers.get("content-type")).toContain("text/html");
  expect(result.body).toContain("This link is not valid.");
}
