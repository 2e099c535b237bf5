import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { API_RUN_ID } from "../../src/features/stats/record";
import { call } from "../helpers";
import { eventually, getMessage } from "../messages/messages.helpers";
import { base, keepApiInD1, send, setup } from "./api-send.helpers";

// An API campaign's messages name it and their template by short refs instead of their 28-character
// ids (src/platform/db/schema/campaigns.ts, templates.ts): every read still answers with the ids.
// The rows read are D1's, so the projects keep their API messages there (an API day's object names
// its template by the same ref, tested in test/api-days).
describe("an API campaign's messages, their campaign and their template", { timeout: 30_000 }, () => {
  it("stores short refs on its messages, and every read names the campaign and template by their ids", async () => {
    const s = await setup();
    await keepApiInD1(s.id);
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
      `SELECT m.campaign_id, c.ref, m.template_id, (SELECT tr.ref FROM template_refs tr WHERE tr.template_id = ?) AS template_ref
       FROM messages m JOIN campaigns c ON c.id = ? WHERE m.id IN (?, ?)`,
    )
      .bind(s.templateId, campaignId, ids[0], ids[1])
      .all<{ campaign_id: string; ref: string; template_id: string; template_ref: number }>();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      // 1 to 7 bytes where the campaign's id took 28, on the row and in messages_campaign.
      expect(row.campaign_id).toMatch(/^[1-9]\d{0,6}$/);
      expect(row.campaign_id).toBe(row.ref);
      // And the template's number where its id took 28.
      expect(row.template_id).toBe(String(row.template_ref));
    }

    // The message's own view.
    const message = await getMessage(s.sender, ids[0] as string);
    expect(message.body).toMatchObject({ campaignId, runId: null, templateId: s.templateId });
    // The campaign's counters, which the outbox feeds from each move's log entry, named by its id.
    const stats = await eventually(
      () => call("GET", `/v1/campaigns/${campaignId}/stats`, { key: s.sender }),
      (r) => r.body?.total?.read === 2,
    );
    expect(stats.body).toMatchObject({ campaignId, total: { sent: 2, delivered: 2, read: 2 } });
    // Counted again from D1, by the ref: the same.
    const recount = await call("POST", `/v1/admin/campaigns/${campaignId}/recount`, { admin: true });
    expect(recount.status).toBe(200);
    expect(recount.body.after).toMatchObject({ [API_RUN_ID]: { sent: 2, read: 2 } });
    expect(recount.body.differences).toEqual([]);

    // A template deleted while its messages name it: they still name it by its id, and a template
    // made after it gets a number of its own.
    expect((await call("DELETE", `/v1/templates/${s.templateId}`, { key: s.manager })).status).toBe(200);
    expect((await getMessage(s.sender, ids[0] as string)).body).toMatchObject({ templateId: s.templateId });
    const next = await setup({}, { campaignName: "next" });
    const sent = await send({ ...base(next), destination: "+917428520002" });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    await eventually(
      () => getMessage(next.sender, sent.body.messageId),
      (r) => r.body.status === "read",
    );
    const { results: refs } = await env.DB.prepare(
      "SELECT template_id FROM template_refs WHERE template_id IN (?, ?) ORDER BY ref",
    )
      .bind(s.templateId, next.templateId)
      .all<{ template_id: string }>();
    expect(refs.map((r) => r.template_id)).toEqual([s.templateId, next.templateId]);
    expect((await getMessage(next.sender, sent.body.messageId)).body).toMatchObject({ templateId: next.templateId });
  });

  it("still finds the messages of a campaign created before refs, which carry its id", async () => {
    const s = await setup({}, { campaignName: "older" });
    await keepApiInD1(s.id);
    const campaigns = await call("GET", "/v1/api-campaigns", { key: s.manager });
    const campaignId = campaigns.body.data[0].id as string;
    // As migration 0034 left the campaigns created before it.
    await env.DB.prepare("UPDATE campaigns SET ref = NULL WHERE id = ?").bind(campaignId).run();
    const accepted = await send({ ...base(s), destination: "+917428520003" });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    await eventually(
      () => getMessage(s.sender, accepted.body.messageId),
      (r) => r.body.status === "read",
    );
    const row = await env.DB.prepare("SELECT campaign_id FROM messages WHERE id = ?")
      .bind(accepted.body.messageId)
      .first<{ campaign_id: string }>();
    expect(row?.campaign_id).toBe(campaignId);
    expect((await getMessage(s.sender, accepted.body.messageId)).body).toMatchObject({ campaignId });
    const stats = await eventually(
      () => call("GET", `/v1/campaigns/${campaignId}/stats`, { key: s.sender }),
      (r) => r.body?.total?.read === 1,
    );
    expect(stats.body.total).toMatchObject({ sent: 1, delivered: 1, read: 1 });
    const recount = await call("POST", `/v1/admin/campaigns/${campaignId}/recount`, { admin: true });
    expect(recount.body.after).toMatchObject({ [API_RUN_ID]: { sent: 1, read: 1 } });
    expect(recount.body.differences).toEqual([]);
  });
});
