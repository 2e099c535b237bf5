import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MARKETING_RETRY_DELAY_MS, startMarketingRetries } from "../../src/features/runs/marketing-retry";
import { sweepRuns } from "../../src/features/runs/sweep";
import { call, db, expectError } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { clearErrors, injectError, receivedSends } from "../standin/standin.helpers";
import { clubCampaign, getRun, ok, runCampaign, runMessages, runReaches } from "./runs.helpers";

// A run that opts in retries, a day after it completes, the recipients Meta held for their
// per-user marketing limit (131049): once, durably (the sweep reads the wait from D1), and only them.

async function heldRun(optIn: boolean, firstNumber: number) {
  const { p, account, members, c } = await clubCampaign(true, 3, firstNumber);
  const held = members[0] as string;
  await injectError(account, { code: 131049, mode: "always", recipient: held });
  const started = await ok(
    runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"], retryMarketingLimited: optIn }),
    202,
  );
  expect(started.run).toMatchObject({ retryMarketingLimited: optIn, retryKind: null });
  const run = await runReaches(p.manager, started.run.runId, ["completed"]);
  await clearErrors(account);
  return { p, account, members, held, c, run };
}

const finishedAt = (run: { finishedAt: string }) => Date.parse(run.finishedAt);
const sendsTo = async (account: Parameters<typeof receivedSends>[0], number: string) =>
  (await receivedSends(account)).filter((s) => (s.body as { to?: string }).to === number.slice(1));

describe("retryMarketingLimited", { timeout: 60_000 }, () => {
  it("re-sends a day later to the 131049 recipients only, once", async () => {
    const { p, account, members, held, run } = await heldRun(true, 7001);
    const rows = await runMessages(run.runId);
    expect(rows.find((r) => r.number === held)).toMatchObject({ status: "failed", error_code: 131049 });

    // Not before a day has passed since the run completed.
    const early = await sweepRuns(env, db(), finishedAt(run) + MARKETING_RETRY_DELAY_MS - 60_000);
    expect(early.marketingRetries).toBe(0);

    const due = finishedAt(run) + MARKETING_RETRY_DELAY_MS + 1;
    expect((await sweepRuns(env, db(), due)).marketingRetries).toBe(1);
    const source = (await getRun(p.manager, run.runId)).body.run;
    expect(source.retryMarketingLimited).toBe(false);
    const runs = await ok(call("GET", `/v1/runs?campaignId=${run.campaignId}`, { key: p.manager }), 200);
    const retry = runs.runs.find((r: { retryOf: string | null }) => r.retryOf === run.runId);
    expect(retry).toMatchObject({ retryKind: "marketing_limited", retryMarketingLimited: false });
    await runReaches(p.manager, retry.runId, ["completed"]);
    expect((await runMessages(retry.runId)).map((r) => r.number)).toEqual([held]);
    await eventually(
      () => sendsTo(account, held),
      (sends) => sends.length === 2,
    );
    for (const other of members.slice(1)) expect(await sendsTo(account, other)).toHaveLength(1);

    // Once: a later sweep owes nothing, and the retry run does not retry again.
    expect((await sweepRuns(env, db(), due + 2 * MARKETING_RETRY_DELAY_MS)).marketingRetries).toBe(0);
  });

  it("starts one retry however many sweeps run at once", async () => {
    const { p, run } = await heldRun(true, 7101);
    const due = finishedAt(run) + MARKETING_RETRY_DELAY_MS + 1;
    const started = await Promise.all([1, 2, 3, 4].map(() => startMarketingRetries(env, db(), due)));
    expect(started.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    const count = await env.DB.prepare(
      "SELECT count(*) AS n FROM runs WHERE retry_of = ? AND retry_kind = 'marketing_limited'",
    )
      .bind(run.runId)
      .first<{ n: number }>();
    expect(count?.n).toBe(1);
    expect((await getRun(p.manager, run.runId)).body.run.retryMarketingLimited).toBe(false);
  });

  it("does nothing for a run that did not opt in", async () => {
    const { run } = await heldRun(false, 7201);
    const swept = await sweepRuns(env, db(), finishedAt(run) + 2 * MARKETING_RETRY_DELAY_MS);
    expect(swept.marketingRetries).toBe(0);
  });

  it("refuses a retryMarketingLimited that is not a boolean, naming it", async () => {
    const { p, c } = await clubCampaign(true, 1, 7301);
    expectError(
      await runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"], retryMarketingLimited: "yes" }),
      400,
      "validation_failed",
      ["retryMarketingLimited"],
    );
  });
});
