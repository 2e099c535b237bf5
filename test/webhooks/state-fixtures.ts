import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { connectedProject } from "../delivery/pipeline.helpers";
import accountUpdateDisabled from "../fixtures/webhooks/account-update-disabled.json";
import accountUpdateReinstated from "../fixtures/webhooks/account-update-reinstated.json";
import accountUpdateRestriction from "../fixtures/webhooks/account-update-restriction.json";
import accountUpdateRestrictionLifted from "../fixtures/webhooks/account-update-restriction-lifted.json";
import accountUpdateViolation from "../fixtures/webhooks/account-update-violation.json";
import businessCapabilityUpdate from "../fixtures/webhooks/business-capability-update.json";
import numberQualityFlagged from "../fixtures/webhooks/number-quality-flagged.json";
import numberQualityUpdate from "../fixtures/webhooks/number-quality-update.json";
import templateCategoryUpdate from "../fixtures/webhooks/template-category-update.json";
import templateCategoryUpdateUpcoming from "../fixtures/webhooks/template-category-update-upcoming.json";
import templateQualityUpdate from "../fixtures/webhooks/template-quality-update.json";
import templateStatusDisabled from "../fixtures/webhooks/template-status-disabled.json";
import templateStatusFlagged from "../fixtures/webhooks/template-status-flagged.json";
import templateStatusPaused from "../fixtures/webhooks/template-status-paused.json";
import templateStatusPendingDeletion from "../fixtures/webhooks/template-status-pending-deletion.json";
import templateStatusReinstated from "../fixtures/webhooks/template-status-reinstated.json";
import templateStatusRejected from "../fixtures/webhooks/template-status-rejected.json";
import { call } from "../helpers";
import { sign } from "../inbound/inbound.helpers";
import { campaign, group, ok } from "../runs/runs.helpers";

// The template, number and account webhook fixtures (test/fixtures/webhooks/{template,number,account}-*.json):
// each is `{ source, payload }`, `source` naming the page of Meta's webhook reference it follows,
// with `<WABA_ID>`-style placeholders a test fills with its own account's ids.

interface Fixture {
  source: string;
  payload: unknown;
}

const files: Record<string, Fixture> = {
  "account-update-disabled": accountUpdateDisabled,
  "account-update-reinstated": accountUpdateReinstated,
  "account-update-restriction": accountUpdateRestriction,
  "account-update-restriction-lifted": accountUpdateRestrictionLifted,
  "account-update-violation": accountUpdateViolation,
  "business-capability-update": businessCapabilityUpdate,
  "number-quality-flagged": numberQualityFlagged,
  "number-quality-update": numberQualityUpdate,
  "template-category-update": templateCategoryUpdate,
  "template-category-update-upcoming": templateCategoryUpdateUpcoming,
  "template-quality-update": templateQualityUpdate,
  "template-status-disabled": templateStatusDisabled,
  "template-status-flagged": templateStatusFlagged,
  "template-status-paused": templateStatusPaused,
  "template-status-pending-deletion": templateStatusPendingDeletion,
  "template-status-reinstated": templateStatusReinstated,
  "template-status-rejected": templateStatusRejected,
};

export const fixtureNames = () => Object.keys(files);

export function fixture(name: string) {
  const found = files[name];
  if (!found) throw new Error(`no fixture ${name}`);
  return found;
}

/** The fixture's payload with every `"<KEY>"` value replaced by `vars.KEY` (a number stays a number). */
export function fill(name: string, vars: Record<string, string | number>) {
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") {
      const key = /^<([A-Z_]+)>$/.exec(value)?.[1];
      if (key === undefined) return value;
      if (!(key in vars)) throw new Error(`fixture ${name} needs ${key}`);
      return vars[key];
    }
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === "object")
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return walk(fixture(name).payload);
}

/** POSTs a fixture to /webhooks/whatsapp signed with the app secret, as Meta would, and expects 200. */
export const postFixture = (appSecret: string, name: string, vars: Record<string, string | number>) =>
  postPayload(appSecret, fill(name, vars));

/** POSTs a payload to /webhooks/whatsapp signed with the app secret, and expects 200. */
export async function postPayload(appSecret: string, payload: unknown) {
  const body = JSON.stringify(payload);
  const response = await exports.default.fetch(
    new Request("https://api.test/webhooks/whatsapp", {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": await sign(appSecret, body) },
      body,
    }),
  );
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as { received: number };
}

/**
 * A project on the stand-in sending 4 messages a second, with 20 contacts (numbers from `prefix`),
 * their variables, and a broadcast campaign started to all of them: slow enough that a hold lands
 * while the run is under way.
 */
export async function broadcastUnderWay(prefix: string) {
  const { p, account } = await connectedProject({ autoApprove: true, throughput: 4 });
  const members = Array.from({ length: 20 }, (_, i) => `${prefix}${String(i).padStart(2, "0")}`);
  for (const number of members) await ok(call("POST", "/v1/contacts", { key: p.manager, body: { number } }), 201);
  await group(
    p.manager,
    "users",
    ["first_name", "code"],
    members.map((number, i) => ({ number, first_name: `N${i}`, code: `C${i}` })),
  );
  const c = await campaign(p.manager);
  return { p, account, members, c };
}
