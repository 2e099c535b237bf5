import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { SegmentFilter } from "../../src/features/audiences/segment";
import { base, keepApiInD1, send, setup } from "../api-campaigns/api-send.helpers";
import { allAudienceNumbers, createAudienceOk, numbers } from "../audiences/audiences.helpers";
import { call } from "../helpers";
import { eventually, getMessage } from "../messages/messages.helpers";

// Segments on past behaviour naming an API campaign whose sends are kept in its days' objects
// (src/features/api-days): each window of contacts is asked of the days by number
// (src/features/audiences/behaviour-reach.ts). The same sends kept in D1 are the twin every answer
// is compared with. Sandbox endings: 0000 not on WhatsApp, 1111 fails after sending, 2222
// delivered and never read, any other read.

const NOT_ON_WHATSAPP = "+917428520000";
const DELIVERY_FAILS = "+917428521111";
const NEVER_READ = "+917428522222";

async function sentApiCampaign(where: "object" | "d1") {
  const s = await setup();
  if (where === "d1") await keepApiInD1(s.id);
  else await env.DB.prepare("UPDATE projects SET api_messages = 'object' WHERE id = ?").bind(s.id).run();
  const [r0, r1, untouched] = numbers(3, 71) as [string, string, string];
  const sentTo = [r0, r1, NOT_ON_WHATSAPP, DELIVERY_FAILS, NEVER_READ];
  const ids: string[] = [];
  for (const destination of sentTo) {
    const accepted = await send({ ...base(s), destination });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    ids.push(accepted.body.messageId);
  }
  // A contact the campaign never messaged.
  await call("POST", "/v1/contacts", { key: s.manager, body: { number: untouched, name: "Ravi" } });
  const settled = ["read", "read", "failed", "failed", "delivered"];
  for (const [n, id] of ids.entries()) {
    await eventually(
      () => getMessage(s.sender, id),
      (m) => m.body.status === settled[n],
    );
  }
  const campaigns = await call("GET", "/v1/api-campaigns", { key: s.manager });
  return { s, campaignId: campaigns.body.data[0].id as string, read: [r0, r1], untouched, ids };
}

let seq = 0;
async function members(key: string, filter: SegmentFilter, pageSize: number) {
  const id = `apiseg${++seq}`;
  await createAudienceOk(key, { id, name: id, filter });
  return (await allAudienceNumbers(key, id, pageSize)).sort();
}

describe("segments on past behaviour naming an API campaign kept in its days", { timeout: 90_000 }, () => {
  it("answer from the days' objects as the same sends kept in D1 answer", async () => {
    const [day, d1] = await Promise.all([sentApiCampaign("object"), sentApiCampaign("d1")]);
    expect(day.ids.every((id) => id.startsWith("msg_r"))).toBe(true);
    expect(d1.ids.some((id) => id.startsWith("msg_r"))).toBe(false);
    const expected: [NonNullable<SegmentFilter["behaviour"]>[number]["did"], string[]][] = [
      ["received", [...day.read, NEVER_READ].sort()],
      ["read", [...day.read].sort()],
      ["not_read", [NOT_ON_WHATSAPP, DELIVERY_FAILS, NEVER_READ, day.untouched].sort()],
      ["not_received", [NOT_ON_WHATSAPP, DELIVERY_FAILS, day.untouched].sort()],
    ];
    for (const [did, numbersExpected] of expected) {
      for (const pageSize of [1, 100]) {
        const fromDay = await members(day.s.manager, { behaviour: [{ campaignId: day.campaignId, did }] }, pageSize);
        const fromD1 = await members(d1.s.manager, { behaviour: [{ campaignId: d1.campaignId, did }] }, pageSize);
        expect(fromDay, `${did}, pages of ${pageSize}`).toEqual(numbersExpected);
        expect(fromDay).toEqual(fromD1);
      }
    }
  });
});
