import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { recordOutcomes } from "../../src/features/delivery/record-outcomes";
import { claimMessages, type Result, unclaimMessages } from "../../src/features/delivery/send-batch";
import { applyStatus } from "../../src/features/messages/status";
import { getMessage } from "../../src/features/messages/store";
import { drainPage } from "../../src/features/outbox/drain";
import { campaignStats } from "../../src/features/stats/record";
import type { ProviderError } from "../../src/whatsapp/provider";
import { db, newProject } from "../helpers";
import { stats } from "../stats/stats.helpers";
import { insertQueuedMessage, templateMessage } from "./messages.helpers";

// A message's history is a letter per step on its row (src/features/messages/trail.ts), the times
// in its columns; only steps with details the row cannot hold are history rows. The answers are
// those the history rows gave.

const RETRYABLE: ProviderError = {
  class: "retryable",
  code: 131000,
  title: "Something went wrong",
  message: "try again",
  httpStatus: 500,
};
const TIMEOUT: ProviderError = {
  class: "unknown",
  code: null,
  title: "Timeout",
  message: "no answer",
  httpStatus: null,
};

async function queuedMessage(campaignId: string | null = null) {
  const p = await newProject();
  const number = "+917428526285";
  const id = await insertQueuedMessage(db(), {
    projectId: p.id,
    number,
    templateId: null,
    campaignId,
    payload: templateMessage(number),
  });
  return { projectId: p.id, id };
}

async function history(projectId: string, id: string) {
  const found = await getMessage(db(), projectId, id);
  return (found?.history ?? []).map(({ status, at, errorCode, detail }) => ({ status, at, errorCode, detail }));
}

type Outcome = { ok: true; wamid: string } | { ok: false; error: ProviderError };

async function attempt(projectId: string, id: string, result: Outcome) {
  const claimed = await claimMessages(db(), projectId, [id]);
  const claimedAt = claimed.get(id)?.claimedAt ?? 0;
  await recordOutcomes(db(), projectId, claimed, [{ id, ...result } as Result], 8);
  return claimedAt;
}

describe("a message's history from its trail", () => {
  it("shows a retry as the steps it took, each claim at its own time", async () => {
    const { projectId, id } = await queuedMessage();
    const first = await attempt(projectId, id, { ok: false, error: RETRYABLE });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await attempt(projectId, id, { ok: true, wamid: `wamid.${id}` });
    const steps = await history(projectId, id);
    expect(steps.map((s) => s.status)).toEqual(["queued", "sending", "queued", "sending", "sent"]);
    expect(steps[1]?.at).toBe(first);
    expect(steps[2]).toMatchObject({ errorCode: 131000, detail: "retry: Something went wrong" });
    expect(steps[3]?.at).toBe(second);
    expect(second).toBeGreaterThan(first);
  });

  it("shows an unknown outcome with its reason, and Meta's later word after it", async () => {
    const { projectId, id } = await queuedMessage();
    await attempt(projectId, id, { ok: false, error: TIMEOUT });
    await applyStatus(db(), { projectId, messageId: id }, { status: "delivered", at: Date.now(), wamid: "wamid.late" });
    const steps = await history(projectId, id);
    expect(steps.map((s) => s.status)).toEqual(["queued", "sending", "sending", "delivered"]);
    expect(steps[2]?.detail).toBe("outcome unknown: Timeout");
  });

  it("leaves no trace of a claim given back without a provider call", async () => {
    const { projectId, id } = await queuedMessage();
    await claimMessages(db(), projectId, [id]);
    await unclaimMessages(db(), [id]);
    expect((await history(projectId, id)).map((s) => s.status)).toEqual(["queued"]);
    await attempt(projectId, id, { ok: true, wamid: `wamid.${id}` });
    expect((await history(projectId, id)).map((s) => s.status)).toEqual(["queued", "sending", "sent"]);
  });

  it("shows a failure with Meta's code and title", async () => {
    const { projectId, id } = await queuedMessage();
    await attempt(projectId, id, {
      ok: false,
      error: { class: "permanent", code: 131026, title: "Message undeliverable", message: "no", httpStatus: 400 },
    });
    expect((await history(projectId, id)).at(-1)).toMatchObject({
      status: "failed",
      errorCode: 131026,
      detail: "Message undeliverable",
    });
  });
});

describe("a database upgraded from history rows", () => {
  afterEach(async () => {
    await env.DB.prepare("UPDATE ledger_outbox SET legacy_through = 0").run();
  });

  it("shows a message's history rows from before, then the steps after; the outbox reads both once, in order", async () => {
    const campaignId = `cmp_legacy_${crypto.randomUUID().replaceAll("-", "")}`;
    const p = await newProject();
    const id = `msg_legacy_${crypto.randomUUID().replaceAll("-", "")}`;
    const now = Date.now();
    // As the code before the trail left it: the row without a trail, its history in rows.
    await env.DB.prepare(
      "INSERT INTO messages (id, project_id, campaign_id, number, status, payload, created_at, updated_at, sent_at) VALUES (?, ?, ?, '+919800000001', 'sent', '{}', ?, ?, ?)",
    )
      .bind(id, p.id, campaignId, now, now, now)
      .run();
    const before = (await env.DB.prepare("SELECT coalesce(max(id), 0) AS id FROM ledger_log").first<{ id: number }>())
      ?.id as number;
    for (const status of ["queued", "sending", "sent"]) {
      await env.DB.prepare("INSERT INTO message_events (message_id, status, at) VALUES (?, ?, ?)")
        .bind(id, status, now)
        .run();
    }
    const boundary = (await env.DB.prepare("SELECT max(id) AS id FROM message_events").first<{ id: number }>())
      ?.id as number;
    // The migration's boundary, and the log's ids above it.
    await env.DB.batch([
      env.DB.prepare("UPDATE ledger_outbox SET legacy_through = ?").bind(boundary),
      env.DB.prepare("INSERT INTO ledger_log (id, entries) VALUES (?, '[]')").bind(Math.max(boundary, before) + 1),
    ]);
    await applyStatus(db(), { projectId: p.id, messageId: id }, { status: "read", at: now + 1 });

    expect((await history(p.id, id)).map((s) => s.status)).toEqual(["queued", "sending", "sent", "read"]);

    // From before the history rows: the legacy page, then the log page.
    let after = boundary - 3;
    for (let page = 0; page < 4; page++) {
      after = (await drainPage(env, db(), after, undefined, boundary)).next;
    }
    expect((await campaignStats(env, campaignId).read()).total).toEqual(
      stats({ queued: 1, sent: 1, delivered: 1, read: 1 }),
    );
    // Handed over again (a drain that stopped before saving its place): counted once.
    await drainPage(env, db(), boundary - 3, undefined, boundary);
    await drainPage(env, db(), boundary, undefined, boundary);
    expect((await campaignStats(env, campaignId).read()).total).toEqual(
      stats({ queued: 1, sent: 1, delivered: 1, read: 1 }),
    );
  });
});
