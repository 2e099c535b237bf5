import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { runArchiveSlice } from "../../src/features/archive/job";
import { readArchive } from "../../src/features/archive/reader";
import { createLogger } from "../../src/platform/log";
import { seedAudience } from "../broadcast-campaigns/broadcast.helpers";
import { call, db } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { campaign, group, ok, runCampaign, runMessages, runReaches, sandboxProject } from "../runs/runs.helpers";

// Sandbox endings (src/whatsapp/sandbox.ts): 0000 not on WhatsApp, 1111 fails after sending, 2222
// delivered and never read; any other is read.
export const MEMBERS = ["+919812340000", "+919812341111", "+919812342222", "+919812345555", "+919812346666"];

/**
 * A sandbox project whose campaign ran to every recipient's final state, its messages where the
 * deployment keeps runs' messages, or (`ledger`) where the test needs them.
 */
export async function finishedRun(ledger?: "d1" | "object") {
  const p = await sandboxProject();
  if (ledger) await env.DB.prepare("UPDATE projects SET run_messages = ? WHERE id = ?").bind(ledger, p.id).run();
  await seedAudience(p.id, { id: "club", numbers: MEMBERS });
  await group(
    p.manager,
    "users",
    ["first_name", "code"],
    MEMBERS.map((number, i) => ({ number, first_name: `N${i}`, code: `C${i}` })),
  );
  const c = await campaign(p.manager);
  const started = await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"] }), 202);
  const runId: string = started.run.runId ?? started.run.id;
  await runReaches(p.manager, runId, ["completed"]);
  // Statuses arrive by webhook after the run completes: wait for every final one.
  await eventually(
    () => runMessages(runId),
    (rows) => rows.map((x) => x.status).join() === "failed,failed,delivered,read,read",
  );
  return { p, campaignId: c.campaignId, runId };
}

export const deps = (bindings: Env = env) => ({
  env: bindings,
  db: db(),
  log: createLogger({ test: "archive" }, "error"),
});

/**
 * Runs slices until the project has nothing more due (each slice as the queue would). A slice that
 * finds the project held by another (a job the API queued) waits for it.
 */
export async function archiveAll(projectId: string, holder = "test-holder", bindings: Env = env) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const job = { kind: "archive" as const, projectId, before: Date.now() + 1000 };
    const result = await runArchiveSlice(deps(bindings), job, holder);
    if (result === "done") return;
    if (result === "busy") await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error("archiving did not finish");
}

export async function count(sql: string, ...binds: unknown[]) {
  return (
    (await env.DB.prepare(sql)
      .bind(...binds)
      .first<{ n: number }>()) ?? { n: 0 }
  ).n;
}

export async function manifests(projectId: string) {
  const { results } = await env.DB.prepare("SELECT * FROM archives WHERE project_id = ? ORDER BY id")
    .bind(projectId)
    .all<{
      state: string;
      messages: number;
      bytes: number;
      r2_key: string;
      first_message_id: string;
      last_message_id: string;
    }>();
  return results;
}

export async function objectIds(key: string) {
  const ids: string[] = [];
  for await (const m of readArchive(env.FILES, key)) ids.push(m.id);
  return ids;
}

/** Every read the archive must keep answering, as the API answers it now. */
export async function readEverything(p: { manager: string }, campaignId: string, runId: string, messageId: string) {
  const details = await call("POST", "/v1/retrieve/campaign", { key: p.manager, body: { campaignId } });
  const csv = await call("POST", "/v1/retrieve/campaign", { key: p.manager, body: { campaignId, format: "csv" } });
  const runCsv = await call("GET", `/v1/retrieve/campaign?campaignId=${campaignId}&runId=${runId}&format=csv`, {
    key: p.manager,
  });
  const pages: unknown[] = [];
  let cursor: string | null = null;
  do {
    const q: string = `campaignId=${campaignId}&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
    const page = await call("GET", `/v1/retrieve/campaign?${q}`, { key: p.manager });
    expect(page.status).toBe(200);
    pages.push(page.body);
    cursor = page.headers.get("x-next-cursor");
  } while (cursor !== null);
  // Filtered, a page at a time: each archived page is read on past the rows that do not match.
  const filteredPages: unknown[] = [];
  do {
    const q: string = `campaignId=${campaignId}&status=read,failed&limit=1${cursor ? `&cursor=${cursor}` : ""}`;
    const page = await call("GET", `/v1/retrieve/campaign?${q}`, { key: p.manager });
    expect(page.status).toBe(200);
    filteredPages.push(page.body);
    cursor = page.headers.get("x-next-cursor");
  } while (cursor !== null);
  const code = (details.body as { errorCode: number | null }[]).find((r) => r.errorCode !== null)?.errorCode ?? 0;
  const byCode = await call("POST", "/v1/retrieve/campaign", {
    key: p.manager,
    body: { campaignId, status: "failed", errorCode: code, format: "csv" },
  });
  const run = await call("GET", `/v1/runs/${runId}`, { key: p.manager });
  const message = await call("GET", `/v1/messages/${messageId}`, { key: p.manager });
  for (const r of [details, csv, runCsv, byCode, run, message]) expect(r.status, JSON.stringify(r.body)).toBe(200);
  return {
    details: details.body,
    csv: csv.body,
    runCsv: runCsv.body,
    pages,
    filteredPages,
    byCode: byCode.body,
    run: run.body,
    message: message.body,
  };
}

/** Fills audience `id` from the run's outcome and lists its members' numbers. */
export async function retarget(key: string, runId: string, id: string, outcome: string, button?: string) {
  const made = await call("POST", `/v1/runs/${runId}/audience`, { key, body: { id, name: id, outcome, button } });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const members = await call("GET", `/v1/retrieve/audience/contacts?id=${id}&limit=100`, { key });
  expect(members.status, JSON.stringify(members.body)).toBe(200);
  return { made: made.body, members: members.body };
}
