import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { CampaignStats } from "../../src/durable-objects/campaign-stats";
import { runLedger } from "../../src/features/run-ledger";
import { campaignStats } from "../../src/features/stats/record";
import { ledgerMessageId } from "../../src/platform/ids";
import { numbers } from "../audiences/audiences.helpers";
import { connectedProject } from "../delivery/pipeline.helpers";
import { type CallResult, call, newProject, type Project } from "../helpers";
import { eventually } from "../messages/messages.helpers";

export async function ok(result: CallResult | Promise<CallResult>, status: number) {
  const r = await result;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
}

export const audience = (key: string, id: string, members: string[], name = id) =>
  ok(
    call("POST", "/v1/create/audience", { key, body: { id, name, contacts: members.map((number) => ({ number })) } }),
    201,
  );

export const group = (key: string, id: string, fields: string[], values: Record<string, string>[]) =>
  ok(call("POST", "/v1/create/variable/group", { key, body: { id, name: id, fields, values } }), 201);

/** A campaign with two variables of group `users`, created without running it. */
export async function campaign(key: string, title = `Offer ${crypto.randomUUID().slice(0, 8)}`) {
  const body = await ok(
    call("POST", "/v1/create/campaign", {
      key,
      body: { title, message: "Hi {users.first_name}, your code is {users.code}.", options: { runImmediately: false } },
    }),
    201,
  );
  return body.campaign as { campaignId: string; templateName: string; whatsAppTemplatesStatus: string };
}

export const runCampaign = (key: string, body: unknown) => call("POST", "/v1/run/campaign", { key, body });
export const getRun = (key: string, runId: string) => call("GET", `/v1/runs/${runId}`, { key });
export const control = (key: string, runId: string, action: "pause" | "resume" | "cancel" | "retry") =>
  call("POST", `/v1/runs/${runId}/${action}`, { key });

/** Waits for the run to reach one of `statuses`, through the real queues. */
export async function runReaches(key: string, runId: string, statuses: string[], timeoutMs = 25_000) {
  const result = await eventually(
    () => getRun(key, runId),
    (r) => statuses.includes(r.body?.run?.status),
    timeoutMs,
  );
  return result.body.run;
}

export interface MessageRowLite {
  id: string;
  number: string;
  status: string;
  skip_reason: string | null;
  error_code: number | null;
  error_class: string | null;
}

/**
 * The run's messages, by number, wherever the run keeps them: D1's messages table, or its own
 * object (src/features/run-ledger) with each message's state as its status.
 */
export async function runMessages(runId: string): Promise<MessageRowLite[]> {
  const run = await env.DB.prepare("SELECT coalesce(ref, id) AS ref, ledger FROM runs WHERE id = ?")
    .bind(runId)
    .first<{ ref: string; ledger: string | null }>();
  if (run?.ledger === "object") {
    const rows: MessageRowLite[] = [];
    const ledger = runLedger(env, run.ref);
    for (let after = 0; ; ) {
      const page = await ledger.page(after, 500);
      for (const r of page) {
        rows.push({
          id: ledgerMessageId(run.ref, r.slot),
          number: r.number,
          status: r.state,
          skip_reason: r.skip_reason,
          error_code: r.error_code,
          error_class: r.error_class,
        });
      }
      if (page.length < 500) break;
      after = page.at(-1)?.slot ?? after;
    }
    return rows.sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
  }
  return d1RunMessages(runId);
}

/** The run's messages in D1's messages table alone, by number. */
export async function d1RunMessages(runId: string): Promise<MessageRowLite[]> {
  const { results } = await env.DB.prepare(
    "SELECT id, number, status, skip_reason, error_code, error_class FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) ORDER BY number",
  )
    .bind(runId)
    .all<MessageRowLite>();
  return results;
}

/** Keeps the project's runs in D1's messages table, whatever the deployment's RUN_MESSAGES: for tests of the D1 ledger itself. */
export const keepRunsInD1 = (projectId: string) =>
  env.DB.prepare("UPDATE projects SET run_messages = 'd1' WHERE id = ?").bind(projectId).run();

export const optOut = (projectId: string, number: string) =>
  env.DB.prepare("UPDATE contacts SET opted_out = 1 WHERE project_id = ? AND number = ?").bind(projectId, number).run();

/** Sandbox project: templates approved at once, statuses played through the events queue. */
export const sandboxProject = (): Promise<Project> => newProject("runs");

/** A project on the Graph API stand-in. */
export async function metaProject(autoApprove: boolean) {
  const { p, account } = await connectedProject({ autoApprove, throughput: 1000 });
  return { p, account };
}

/** The campaign's CampaignStats object. */
export const statsObject = (campaignId: string) => campaignStats(env, campaignId);

/** Moves a scheduled run's time into the past inside the object, then fires the object's alarm. */
export async function fireSchedule(campaignId: string) {
  const stub = statsObject(campaignId);
  await runInDurableObject(stub, (_instance: CampaignStats, state) => {
    state.storage.sql.exec("UPDATE scheduled_runs SET at = ?", Date.now() - 1);
  });
  return runDurableObjectAlarm(stub);
}

/** Counts of a run's message rows by status (skipped by reason), as the per-recipient details list them. */
export function tally(rows: MessageRowLite[]) {
  const by = (status: string) => rows.filter((r) => r.status === status).length;
  return {
    queuedEver: rows.filter((r) => r.status !== "skipped" || r.skip_reason === "cancelled").length,
    sent: by("sent") + by("delivered") + by("read"),
    delivered: by("delivered") + by("read"),
    read: by("read"),
    failed: by("failed"),
    skipped: by("skipped"),
  };
}

/**
 * A project on the Graph API stand-in with an audience "club" of `count` numbers from `firstNumber`,
 * their variables in group "users", and a broadcast campaign not yet run. The fan-out reads pages of
 * two (FANOUT_PAGE_SIZE in vitest.config.ts), so ten members are five pages.
 */
export async function clubCampaign(autoApprove: boolean, count: number, firstNumber: number) {
  const { p, account } = await metaProject(autoApprove);
  return { p, account, ...(await club(p, count, firstNumber)) };
}

/** `count` numbers from `firstNumber` in audience "club" of `p`, with their variables, and a campaign not yet run. */
export async function club(p: Project, count: number, firstNumber: number) {
  const members = numbers(count, firstNumber);
  await audience(p.manager, "club", members);
  await group(
    p.manager,
    "users",
    ["first_name", "code"],
    members.map((number, i) => ({ number, first_name: `N${i}`, code: `C${i}` })),
  );
  return { members, c: await campaign(p.manager) };
}
