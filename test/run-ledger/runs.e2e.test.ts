import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recipientsInWindow } from "../../src/features/messaging-limit/usage";
import { runLedger } from "../../src/features/run-ledger";
import { ledgerMessageId } from "../../src/platform/ids";
import { numbers } from "../audiences/audiences.helpers";
import { call, db, expectError } from "../helpers";
import { inbound, messagesValue, responseRows, text } from "../inbound/inbound.helpers";
import { eventually } from "../messages/messages.helpers";
import {
  audience,
  campaign,
  d1RunMessages,
  group,
  ok,
  optOut,
  runCampaign,
  runMessages,
  runReaches,
  sandboxProject,
} from "../runs/runs.helpers";

// A run of a project whose runs keep their messages in their own objects, through the real Worker,
// queues and sandbox provider, with fan-out pages of two (vitest.config.ts): the audiences are
// merged by contact page by page, the governor releases claims, the sends consumer claims in the
// run's object, and Meta's statuses (played by the sandbox) go back to it by their callback data.

const NOT_ON_WHATSAPP = "+917428520000";
const DELIVERY_FAILS = "+917428521111";
const NEVER_READ = "+917428522222";

async function objectProject() {
  const p = await sandboxProject();
  await env.DB.prepare("UPDATE projects SET run_messages = 'object' WHERE id = ?").bind(p.id).run();
  return p;
}

describe("a run whose messages are in its own object", { timeout: 60_000 }, () => {
  it("sends everyone once across overlapping audiences, and its results follow Meta's statuses", async () => {
    const p = await objectProject();
    const [a0, a1, a2, a3, a4, a5, n6] = numbers(7, 41) as [string, string, string, string, string, string, string];
    await audience(p.manager, "fs", [a0, a1, a2, a3, a4, a5]);
    await audience(p.manager, "late", [a4, a5, n6, NOT_ON_WHATSAPP, DELIVERY_FAILS, NEVER_READ]);
    const everyone = [a0, a2, a4, a5, n6, NOT_ON_WHATSAPP, DELIVERY_FAILS, NEVER_READ];
    await group(
      p.manager,
      "users",
      ["first_name", "code"],
      [
        ...everyone.map((number, i) => ({ number, first_name: `Name${i}`, code: `C${i}` })),
        { number: a3, first_name: "Asha", code: "" },
      ],
    );
    await optOut(p.id, a2);
    const c = await campaign(p.manager);

    const started = await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["fs", "late"] }), 202);
    const runId = started.run.runId as string;
    const done = await runReaches(p.manager, runId, ["completed"]);
    expect(done.recipients).toEqual({ queued: 7, skipped: 3 });

    const run = await env.DB.prepare("SELECT ref, ledger FROM runs WHERE id = ?")
      .bind(runId)
      .first<{ ref: string; ledger: string }>();
    expect(run?.ledger).toBe("object");
    // Nothing of the run is in D1's messages table.
    expect(await d1RunMessages(runId)).toEqual([]);

    const final = await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key: p.manager }),
      (r) => r.body.run.results.Read === 4 && r.body.run.results.DeliveryErrors === 1,
    );
    expect(final.body.run.results).toMatchObject({
      Queued: 7,
      Sent: 7,
      Delivered: 5,
      Read: 4,
      NumbersNotOnWhatsApp: 1,
      DeliveryErrors: 1,
      Skipped: 3,
    });

    const ledger = runLedger(env, run?.ref as string);
    const rows = await ledger.page(0, 100);
    expect(rows).toHaveLength(10);
    expect(new Set(rows.map((r) => r.number)).size).toBe(10);
    // One wamid per message sent: each was handed out once.
    const sent = rows.filter((r) => r.wamid !== null);
    expect(sent).toHaveLength(7);
    expect(new Set(sent.map((r) => r.wamid)).size).toBe(7);
    const reasonOf = (n: string) => rows.find((r) => r.number === n)?.skip_reason;
    expect(reasonOf(a1)).toBe("missing_variable:users.first_name");
    expect(reasonOf(a2)).toBe("opted_out");
    expect(reasonOf(a3)).toBe("missing_variable:users.code");
    expect(await ledger.counts()).toMatchObject({ queued: 0, waiting: 0, skipped: 3, read: 4, failed: 2 });
    // Everything the object moved was handed to the statistics.
    await eventually(
      () => ledger.pendingLog(),
      (n) => n === 0,
    );

    // A reply quoting a sent message is linked to it, its run and its campaign through its wamid's
    // route; another project's reply quoting the same wamid is not.
    const quoted = sent[0] as (typeof sent)[0];
    const other = await sandboxProject();
    for (const projectId of [p.id, other.id]) {
      await inbound(
        projectId,
        messagesValue([text("Yes please", { from: quoted.number.slice(1), context: quoted.wamid as string })]),
      );
    }
    const [linked] = await responseRows(p.id);
    expect(linked).toMatchObject({
      message_id: ledgerMessageId(run?.ref as string, quoted.slot),
      run_id: runId,
      campaign_id: c.campaignId,
    });
    const [foreign] = await responseRows(other.id);
    expect(foreign).toMatchObject({ message_id: null, run_id: null, campaign_id: null });

    // The run's messages read from its object: one by id, and the campaign's per-recipient details.
    const id = ledgerMessageId(run?.ref as string, quoted.slot);
    const message = await call("GET", `/v1/messages/${id}`, { key: p.manager });
    expect(message.status).toBe(200);
    expect(message.body).toMatchObject({
      id,
      number: quoted.number,
      runId,
      campaignId: c.campaignId,
      wamid: quoted.wamid,
      attempts: 1,
    });
    // Its history is derived from its times, its claim's included.
    const steps = message.body.history.map((h: { status: string }) => h.status);
    expect(steps.slice(0, 3)).toEqual(["queued", "sending", "sent"]);
    expect((await call("GET", `/v1/messages/${id}`, { key: other.manager })).status).toBe(404);
    expect(
      (await call("GET", `/v1/messages/${ledgerMessageId(run?.ref as string, 999_999)}`, { key: p.manager })).status,
    ).toBe(404);

    // As its recipient sees it, from the payload its object keeps; a skipped one has none.
    const preview = await call("GET", `/v1/messages/${id}/preview`, { key: p.manager });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ kind: "template", to: quoted.number });
    expect(preview.body.body).toMatch(/^Hi Name\d, your code is C\d\.$/);
    expect((await call("GET", `/v1/messages/${id}/preview`, { key: other.manager })).status).toBe(404);
    const skippedRow = rows.find((r) => r.state === "skipped") as (typeof rows)[0];
    const skippedId = ledgerMessageId(run?.ref as string, skippedRow.slot);
    expect((await call("GET", `/v1/messages/${skippedId}/preview`, { key: p.manager })).status).toBe(404);

    const details = await call("GET", `/v1/retrieve/campaign?campaignId=${c.campaignId}`, { key: p.manager });
    expect(details.status).toBe(200);
    expect(details.body).toHaveLength(10);
    expect(details.body.map((r: { messageId: string }) => r.messageId)).toEqual(
      rows.map((r) => ledgerMessageId(run?.ref as string, r.slot)),
    );
    expect(details.body.filter((r: { status: string }) => r.status === "read")).toHaveLength(4);
    // Pages of three, through the cursor, and a filter on status.
    const paged: string[] = [];
    let cursor = "";
    for (;;) {
      const page = await call(
        "GET",
        `/v1/retrieve/campaign?campaignId=${c.campaignId}&limit=3${cursor ? `&cursor=${cursor}` : ""}`,
        {
          key: p.manager,
        },
      );
      paged.push(...page.body.map((r: { number: string }) => r.number));
      cursor = page.headers.get("x-next-cursor") ?? "";
      if (!cursor) break;
    }
    expect(paged).toEqual(details.body.map((r: { number: string }) => r.number));
    const skipped = await call("GET", `/v1/retrieve/campaign?campaignId=${c.campaignId}&status=skipped&format=csv`, {
      key: p.manager,
    });
    expect(skipped.body.trim().split("\r\n")).toHaveLength(4);

    // Its failures by code, and an audience of its readers, walked from its object.
    const failures = await ok(call("GET", `/v1/runs/${runId}/failures`, { key: p.manager }), 200);
    expect(failures.failed).toBe(2);
    expect(failures.failures.map((f: { code: number }) => f.code).sort()).toEqual([131000, 131026]);
    const audienceOf = (id: string, outcome: string) =>
      ok(call("POST", `/v1/runs/${runId}/audience`, { key: p.manager, body: { id, name: id, outcome } }), 201);
    expect(await audienceOf("readers", "read")).toMatchObject({ matched: 4, added: 4 });
    expect(await audienceOf("repliers", "replied")).toMatchObject({ matched: 1, added: 1 });

    // Its billing report groups its delivered messages by Meta's pricing, in the object.
    const { billing } = await ok(call("GET", `/v1/runs/${runId}/billing`, { key: p.manager }), 200);
    expect(billing).toMatchObject({ delivered: 5, charged: 5, free: 0, unpriced: 0 });
    expect(billing.byMarket).toEqual([{ category: "marketing", market: "IN", count: 5, estimatedCost: null }]);

    // The project's overview counts the run's messages from its object.
    const overview = await ok(call("GET", "/v1/project/overview", { key: p.manager }), 200);
    expect(overview.today).toMatchObject({ accepted: 10, sent: 7, delivered: 5, read: 4, failed: 2, pending: 0 });

    // The messaging limit's count of the portfolio's recipients in 24 hours sees the run's.
    expect(await recipientsInWindow(env, db(), p.id)).toBe(7);

    // Its counters are the object's: a recount from D1, which holds none of its messages, is refused.
    const recount = await call("POST", `/v1/admin/campaigns/${c.campaignId}/recount`, { admin: true });
    expectError(recount, 409, "conflict");
    // A retry re-sends the failures its object classed retryable (the sandbox's 1111 fails delivery
    // with 131000); the retry itself records in D1.
    const retried = await ok(call("POST", `/v1/runs/${runId}/retry`, { key: p.manager }), 202);
    const retry = await runReaches(p.manager, retried.run.runId, ["completed"]);
    expect(retry.recipients).toEqual({ queued: 1, skipped: 0 });
    expect((await runMessages(retried.run.runId)).map((m) => m.number)).toEqual([DELIVERY_FAILS]);
    expect((await call("GET", `/v1/runs/${runId}`, { key: p.manager })).body.run.results.Read).toBe(4);
  });
});
