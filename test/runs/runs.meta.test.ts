import { describe, expect, it } from "vitest";
import { deliverWebhooks, runQueue } from "../delivery/pipeline.helpers";
import { call, expectError } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { clearErrors, injectError, receivedSends, seedTemplate } from "../standin/standin.helpers";
import {
  clubCampaign,
  control,
  getRun,
  type metaProject,
  ok,
  runCampaign,
  runMessages,
  runReaches,
} from "./runs.helpers";

// Runs through the Meta provider against the Graph API stand-in: template review by webhook,
// pause, resume, cancel and retry, counting what actually reached "Meta". The fan-out runs in pages
// of two (FANOUT_PAGE_SIZE in vitest.config.ts), so a run of twelve is several pages and jobs.

const setUp = clubCampaign;

/** Numbers the stand-in received sends for, each once per call. */
const sentTo = async (account: Awaited<ReturnType<typeof metaProject>>["account"]) =>
  (await receivedSends(account)).filter((s) => s.accepted).map((s) => `+${(s.body as { to: string }).to}`);

describe("runs on the Meta stand-in", { timeout: 90_000 }, () => {
  it("waits for the template's approval, visibly, and starts when Meta's webhook approves it", async () => {
    const { p, account, c, members } = await setUp(false, 4, 201);
    expect(c.whatsAppTemplatesStatus).toBe("PENDING");
    const run = (await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["all"] }), 202)).run;
    expect(run).toMatchObject({
      status: "waiting_template",
      statusReason: expect.stringContaining("waiting for WhatsApp"),
    });
    expect((await getRun(p.manager, run.runId)).body.run.status).toBe("waiting_template");

    await seedTemplate(account, { name: c.templateName, status: "APPROVED" });
    expect(await deliverWebhooks(account)).toBeGreaterThan(0);
    await runReaches(p.manager, run.runId, ["completed"]);
    expect((await sentTo(account)).sort()).toEqual([...members].sort());
  });

  it("fails a run whose template Meta rejects, with the reason", async () => {
    const { p, account, c } = await setUp(false, 1, 211);
    const run = (await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"] }), 202)).run;
    await seedTemplate(account, { name: c.templateName, status: "REJECTED", rejectedReason: "PROMOTIONAL" });
    await deliverWebhooks(account);
    const failed = await runReaches(p.manager, run.runId, ["failed"]);
    expect(failed.statusReason).toContain("REJECTED: PROMOTIONAL");
    expect(failed.finishedAt).not.toBeNull();
    expectError(await control(p.manager, run.runId, "pause"), 409, "conflict");
  });

  it("pauses mid-run, holding what is queued, and resumes to send everyone exactly once", async () => {
    const { p, account, c, members } = await setUp(true, 12, 221);
    const run = (await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"] }), 202)).run;
    const paused = await ok(control(p.manager, run.runId, "pause"), 200);
    expect(paused.run).toMatchObject({ status: "paused", statusReason: "paused by request" });
    expectError(await control(p.manager, run.runId, "pause"), 409, "conflict");
    // Whatever was already in flight settles; nothing of the run is sent while it is paused.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const before = (await sentTo(account)).length;
    const rows = await runMessages(run.runId);
    expect(rows.filter((r) => r.status === "sent")).toHaveLength(before);
    expect((await getRun(p.manager, run.runId)).body.run.status).toBe("paused");

    const resumed = await ok(control(p.manager, run.runId, "resume"), 200);
    expect(["fanning_out", "sending"]).toContain(resumed.run.status);
    expectError(await control(p.manager, run.runId, "resume"), 409, "conflict");
    await runReaches(p.manager, run.runId, ["completed"]);
    const sent = await sentTo(account);
    expect(sent.sort()).toEqual([...members].sort());
    expect((await runMessages(run.runId)).every((r) => r.status === "sent")).toBe(true);
  });

  it("cancels mid-run: queued recipients are skipped as cancelled, and the results say so", async () => {
    const { p, account, c } = await setUp(true, 12, 241);
    const run = (await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"] }), 202)).run;
    const cancelled = await ok(control(p.manager, run.runId, "cancel"), 200);
    expect(cancelled.run.status).toBe("cancelled");
    expectError(await control(p.manager, run.runId, "cancel"), 409, "conflict");
    expectError(await control(p.manager, run.runId, "resume"), 409, "conflict");
    const rows = await eventually(
      () => runMessages(run.runId),
      (all) => all.every((r) => r.status === "sent" || r.skip_reason === "cancelled"),
    );
    const sent = await sentTo(account);
    expect(sent.sort()).toEqual(
      rows
        .filter((r) => r.status === "sent")
        .map((r) => r.number)
        .sort(),
    );
    const skipped = rows.filter((r) => r.skip_reason === "cancelled").length;
    await eventually(
      () => getRun(p.manager, run.runId),
      (r) => r.body.run.results.Skipped === skipped && r.body.run.results.Sent === sent.length,
    );
  });

  it("retries only the retryable failures, and never re-sends a success", async () => {
    const { p, account, c, members } = await setUp(true, 4, 261);
    const [retryable, permanent] = members as [string, string];
    await injectError(account, { code: 131000, mode: "always", recipient: retryable, endpoint: "messages" });
    await injectError(account, { code: 132000, mode: "always", recipient: permanent, endpoint: "messages" });
    const run = (await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"] }), 202)).run;

    // The retryable failure goes back to the queue with a delay; deliver it as its last attempt.
    const pending = await eventually(
      () => runMessages(run.runId),
      (rows) => rows.some((r) => r.number === retryable && r.error_code === 131000),
    );
    const messageId = pending.find((r) => r.number === retryable)?.id as string;
    await eventually(
      async () => {
        await runQueue(
          "wa-campaigns-sends",
          [{ kind: "send", projectId: p.id, messageId, campaignId: c.campaignId, runId: run.runId }],
          8,
        );
        return runMessages(run.runId);
      },
      (rows) => rows.find((r) => r.id === messageId)?.status === "failed",
    );
    await runReaches(p.manager, run.runId, ["completed"]);
    const rows = await runMessages(run.runId);
    expect(rows.find((r) => r.number === retryable)).toMatchObject({ status: "failed", error_class: "retryable" });
    expect(rows.find((r) => r.number === permanent)).toMatchObject({ status: "failed", error_class: "permanent" });

    await clearErrors(account);
    const retried = (await ok(control(p.manager, run.runId, "retry"), 202)).run;
    expect(retried).toMatchObject({ retryOf: run.runId, campaignId: c.campaignId });
    await runReaches(p.manager, retried.runId, ["completed"]);
    expect((await runMessages(retried.runId)).map((r) => [r.number, r.status])).toEqual([[retryable, "sent"]]);

    // Every number that succeeded got exactly one accepted send; the retried one is now sent too.
    const sent = await sentTo(account);
    expect(sent.sort()).toEqual(members.filter((n) => n !== permanent).sort());
    // Nothing retryable is left, in the run or its retry.
    expectError(await control(p.manager, run.runId, "retry"), 409, "conflict");
    expectError(await control(p.manager, retried.runId, "retry"), 409, "conflict");
    const listed = await ok(call("GET", `/v1/runs?campaignId=${c.campaignId}`, { key: p.manager }), 200);
    expect(listed.runs).toHaveLength(2);
  });
});
