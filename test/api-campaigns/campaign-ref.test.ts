import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call } from "../helpers";
import { eventually, getMessage } from "../messages/messages.helpers";
import { base, send, setup } from "./api-send.helpers";

// An API campaign's messages name it by a short ref instead of its 28-character id
// (src/platform/db/schema/campaigns.ts): every read still answers with the campaign's id.
describe("an API campaign's messages and their campaign", { timeout: 30_000 }, () => {
  it("stores the campaign's short ref on its messages, and every read names the campaign by its id", async () => {
    const s = await setup();
    const numbers = ["+917428526285", "+917428520001"];
    const ids: string[] = [];
    for (const destination of numbers) {
      const accepted = await send({ ...base(s), destination });
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
      ids.push(accepted.body.messageId);
    }
    const campaigns = await call("GET", "/v1/api-campaigns", { key: s.manager });
    const campaignId = campaigns.body.data[0].id as string;
    for (const id of ids) {
      await eventually(
        () => getMessage(s.sender, id),
        (r) => r.body.status === "read",
      );
    }

    const { results: rows } = await env.DB.prepare(
      "SELECT m.campaign_id, c.ref FROM messages m JOIN campaigns c ON c.id = ? WHERE m.id IN (?, ?)",
    )
      .bind(campaignId, ids[0], ids[1])
      .all<{ campaign_id: string; ref: string }>();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      // 1 to 7 bytes where the campaign's id took 28, on the row and in messages_campaign.
      expect(row.campaign_id).toMatch(/^[1-9]\d{0,6}$/);
      expect(row.campaign_id).toBe(row.ref);
    }

    // The message's own view.
    const message = await getMessage(s.sender, ids[0] as string);
    expect(message.body).toMatchObject({ campaignId, runId: null });
    // The campaign's counters, which the outbox feeds from each move's log entry, named by its id.
    const stats = await eventually(
      () => call("GET", `/v1/campaigns/${campaignId}/stats`, { key: s.sender }),
      (r) => r.body?.total?.read === 2,
    );
    expect(stats.body).toMatchObject({ campaignId, total: { sent: 2, delivered: 2, read: 2 } });
    // Counted again from D1, by the ref: the same.
    const recount = await call("POST", `/v1/admin/campaigns/${campaignId}/recount`, { admin: true });
    expect(recount.status).toBe(200);
    expect(recount.body.differences).toEqual([]);
  });
});
