import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { idAt } from "../../src/features/archive/units";
import { archiveAll, count } from "../archive/archive.helpers";
import { call, newProject } from "../helpers";
import { inbound, messagesValue, press, text } from "../inbound/inbound.helpers";
import { createOk, minimal } from "../templates/templates.helpers";
import { analytics } from "./analytics.helpers";

// An API campaign has no runs: its analytics are the campaign's, its messages read from D1 and
// from each archived day, its template's buttons listed by what their presses carried.

const HOUR = 60 * 60 * 1000;

describe("GET /v1/campaigns/{campaignId}/analytics of an API campaign", { timeout: 60_000 }, () => {
  it("counts replies and presses of its messages, the same before and after past days move to the archive", async () => {
    const p = await newProject("analytics api");
    const template = await createOk(p.manager, minimal());
    const campaign = await call("POST", "/v1/api-campaigns", {
      key: p.manager,
      body: { name: "orders", templateId: template.id },
    });
    const campaignId: string = campaign.body.id;
    const day = Date.parse("2026-01-02T00:00:00.000Z");
    // Today's message must stay in today (the archive moves whole UTC days before today's) however
    // soon after midnight the test runs: two hours ago, but never before midnight.
    const now = Date.now();
    const recent = Math.max(now - 2 * HOUR, Math.floor(now / (24 * HOUR)) * 24 * HOUR + 1);
    // [sent at, delivered at]: three delivered on a past day, one never delivered, one delivered today.
    const sends: [number, number | null][] = [
      [day + 1000, day + 2000],
      [day + 3000, day + 4000],
      [day + 5000, day + 6000],
      [day + 7000, null],
      [recent, Math.min(recent + HOUR, now)],
    ];
    const messages = [];
    for (const [i, [at, deliveredAt]] of sends.entries()) {
      const id = `${idAt(at)}00000000000${i}`;
      const number = `+9198765433${i}0`;
      await env.DB.prepare(
        "INSERT INTO messages (id, project_id, campaign_id, template_id, number, status, attempts, wamid, created_at, updated_at, sent_at, delivered_at) VALUES (?, ?, (SELECT coalesce(ref, id) FROM campaigns WHERE id = ?), ?, ?, ?, 1, ?, ?, ?, ?, ?)",
      )
        .bind(
          id,
          p.id,
          campaignId,
          template.id,
          number,
          deliveredAt ? "delivered" : "sent",
          `wamid.${id}`,
          at,
          at + 9,
          at,
          deliveredAt,
        )
        .run();
      messages.push({ id, number, wamid: `wamid.${id}`, from: number.slice(1) });
    }
    const [first, second, third, undelivered, today] = messages as (typeof messages)[number][];
    const s = (ms: number) => Math.ceil(ms / 1000);
    await inbound(
      p.id,
      messagesValue([
        text("thanks", { from: first?.from, at: s(day + 2000 + HOUR) }),
        press("TRACK", "Track order", { from: second?.from, context: second?.wamid, at: s(day + 5 * HOUR) }),
        press("TRACK", "Track order", { from: second?.from, context: second?.wamid, at: s(day + 6 * HOUR) }),
        text("late", { from: third?.from, at: s(day + 30 * HOUR) }),
        text("hm?", { from: undelivered?.from, at: s(day + HOUR) }),
        press("HELP", "Talk to us", { from: today?.from, context: today?.wamid, at: s(Date.now()) }),
      ]),
    );
    const expected = {
      status: "success",
      campaignId,
      analytics: {
        // The counters are the campaign's stats object's: these rows were written straight to D1, so
        // it counted none of them. Replies are read from D1.
        funnel: { queued: 0, sent: 0, delivered: 0, read: 0, replied: 3 },
        replyRate: 0,
        buttons: [
          { index: null, text: "Track order", payload: "TRACK", presses: 2, people: 1 },
          { index: null, text: "Talk to us", payload: "HELP", presses: 1, people: 1 },
        ],
      },
    };
    const path = `/v1/campaigns/${campaignId}/analytics`;
    const before = await analytics(p.sender, path);
    expect(before.status, JSON.stringify(before.body)).toBe(200);
    expect(before.body).toEqual(expected);
    await archiveAll(p.id);
    expect(
      await count(
        "SELECT count(*) AS n FROM messages WHERE campaign_id = (SELECT coalesce(ref, id) FROM campaigns WHERE id = ?)",
        campaignId,
      ),
    ).toBe(1);
    expect((await analytics(p.sender, path)).body).toEqual(expected);
  });
});
