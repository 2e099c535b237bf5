import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, expectError, MISSING_KEY, newProject } from "../helpers";
import { attachMetaAccount } from "../inbound/inbound.helpers";

// GET /v1/project/overview: the dashboard's overview. Messages, runs and campaigns are written
// straight into D1 with ids carrying their creation time, as the API writes them.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
let sequence = 0;
const idAt = (prefix: string, at: number) => {
  sequence += 1;
  return `${prefix}_${at.toString(16).padStart(12, "0")}${sequence.toString(16).padStart(12, "0")}`;
};

async function campaign(projectId: string, kind: "api" | "broadcast", name: string, at: number) {
  const id = idAt("cmp", at);
  await env.DB.prepare(
    "INSERT INTO campaigns (id, project_id, kind, name, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'live', ?, ?)",
  )
    .bind(id, projectId, kind, name, at, at)
    .run();
  return id;
}

async function run(projectId: string, campaignId: string, startedAt: number, finishedAt: number | null) {
  const id = idAt("run", startedAt);
  await env.DB.prepare(
    `INSERT INTO runs (id, project_id, campaign_id, status, audiences, created_at, started_at, finished_at, updated_at)
     VALUES (?, ?, ?, ?, '[]', ?, ?, ?, ?)`,
  )
    .bind(
      id,
      projectId,
      campaignId,
      finishedAt === null ? "running" : "completed",
      startedAt,
      startedAt,
      finishedAt,
      startedAt,
    )
    .run();
  return id;
}

type Status = "queued" | "sent" | "delivered" | "read" | "failed";

/** One message created at `at`, moved as far as `status`. */
async function message(projectId: string, campaignId: string, runId: string | null, status: Status, at: number) {
  const sent = status === "sent" || status === "delivered" || status === "read" ? at + 1000 : null;
  const delivered = status === "delivered" || status === "read" ? at + 2000 : null;
  const read = status === "read" ? at + 3000 : null;
  sequence += 1;
  await env.DB.prepare(
    `INSERT INTO messages (id, project_id, campaign_id, run_id, number, status, created_at, updated_at, sent_at, delivered_at, read_at, failed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(
      idAt("msg", at),
      projectId,
      campaignId,
      runId,
      `+9174285${String(sequence).padStart(5, "0")}`,
      status,
      at,
      at,
      sent,
      delivered,
      read,
      status === "failed" ? at + 1000 : null,
    )
    .run();
}

const overview = (key: string, since?: string) =>
  call("GET", `/v1/project/overview${since ? `?since=${encodeURIComponent(since)}` : ""}`, { key });

/** A project with sends in the last two hours (counted) and before (not), over runs and an API campaign. */
async function busyProject() {
  const p = await newProject("overview");
  const now = Date.now();
  const broadcast = await campaign(p.id, "broadcast", "Spring sale", now - 30 * HOUR);
  const running = await run(p.id, broadcast, now - HOUR, null);
  for (const status of ["read", "read", "delivered", "sent", "failed", "queued"] as const) {
    await message(p.id, broadcast, running, status, now - HOUR);
  }
  const old = await run(p.id, broadcast, now - 30 * HOUR, now - 29 * HOUR);
  await message(p.id, broadcast, old, "read", now - 30 * HOUR);
  const api = await campaign(p.id, "api", "orders", now - 30 * HOUR);
  await message(p.id, api, null, "delivered", now - 10 * MINUTE);
  await message(p.id, api, null, "read", now - 3 * HOUR);
  return { p, broadcast, api, now };
}

describe("GET /v1/project/overview", { timeout: 30_000 }, () => {
  it("counts the messages created since the given start, with rates, for either role", async () => {
    const { p, broadcast, api, now } = await busyProject();
    const since = new Date(now - 2 * HOUR).toISOString();
    const result = await overview(p.manager, since);
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body.today).toEqual({
      since,
      accepted: 7,
      sent: 5,
      delivered: 4,
      read: 2,
      failed: 1,
      pending: 1,
      deliveryRate: 4 / 5,
      readRate: 2 / 4,
    });
    // No account connected: the deployment's default provider serves the project.
    expect(result.body.number).toBeNull();
    expect(result.body.recentCampaigns.map((c: { id: string }) => c.id)).toEqual([api, broadcast]);
    expect(result.body.recentCampaigns[0]).toEqual({
      id: api,
      kind: "api",
      name: "orders",
      status: "live",
      createdAt: expect.any(String),
    });

    const sender = await overview(p.sender, since);
    expect(sender.status).toBe(200);
    expect(sender.body).toEqual(result.body);

    // A local midnight with an offset is read as the instant it names.
    const offset = new Date(now - 2 * HOUR + 5.5 * HOUR).toISOString().replace("Z", "+05:30");
    expect((await overview(p.sender, offset)).body.today.accepted).toBe(7);
  });

  it("starts the day at midnight UTC by default, and shows zeros and null rates for a quiet project", async () => {
    const p = await newProject("quiet");
    const result = await overview(p.sender);
    expect(result.status).toBe(200);
    const midnight = new Date();
    midnight.setUTCHours(0, 0, 0, 0);
    expect(result.body).toEqual({
      today: {
        since: midnight.toISOString(),
        accepted: 0,
        sent: 0,
        delivered: 0,
        read: 0,
        failed: 0,
        pending: 0,
        deliveryRate: null,
        readRate: null,
      },
      number: null,
      recentCampaigns: [],
    });
  });

  it("lists the 5 newest campaigns of both kinds, newest first", async () => {
    const p = await newProject("many campaigns");
    const now = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      ids.push(await campaign(p.id, i % 3 === 0 ? "api" : "broadcast", `c${i}`, now - (10 - i) * MINUTE));
    }
    const result = await overview(p.sender);
    expect(result.body.recentCampaigns.map((c: { name: string }) => c.name)).toEqual(["c7", "c6", "c5", "c4", "c3"]);
  });

  it("shows the number's quality and hold as Meta last reported them", async () => {
    const p = await newProject("number");
    const account = await attachMetaAccount(p.id);
    const at = Date.UTC(2026, 0, 5, 6);
    await env.DB.prepare(
      "UPDATE whatsapp_accounts SET number_state = ?, hold_reason = 'WhatsApp disabled this account', hold_until = NULL WHERE project_id = ?",
    )
      .bind(
        JSON.stringify({
          displayPhoneNumber: "15550783881",
          event: "FLAGGED",
          currentLimit: "TIER_2K",
          previousLimit: null,
          businessLimit: null,
          at,
        }),
        p.id,
      )
      .run();
    const result = await overview(p.sender);
    expect(result.body.number).toEqual({
      provider: "meta",
      phoneNumberId: account.phoneNumberId,
      displayPhoneNumber: "15550783881",
      quality: { event: "FLAGGED", updatedAt: new Date(at).toISOString() },
      throughput: 80,
      hold: { reason: "WhatsApp disabled this account", until: null },
    });
    for (const secret of [account.accessToken, account.appSecret, account.verifyToken]) {
      expect(JSON.stringify(result.body)).not.toContain(secret);
    }
  });

  it("shows only the key's own project: another project's sends and campaigns are not counted", async () => {
    const { p, now } = await busyProject();
    const other = await newProject("other");
    const since = new Date(now - 2 * HOUR).toISOString();
    const result = await overview(other.manager, since);
    expect(result.body.today.accepted).toBe(0);
    expect(result.body.recentCampaigns).toEqual([]);
    expect((await overview(p.manager, since)).body.today.accepted).toBe(7);
  });

  it.each([
    ["not a time", "yesterday"],
    ["more than 48 hours ago", new Date(Date.now() - 49 * HOUR).toISOString()],
    ["in the future", new Date(Date.now() + HOUR).toISOString()],
  ])("refuses a since %s, naming it", async (_label, since) => {
    const p = await newProject("bad since");
    expectError(await overview(p.sender, since), 400, "validation_failed", ["since"]);
  });

  it("needs a key", async () => {
    const result = await call("GET", "/v1/project/overview");
    expect(result.status).toBe(401);
    expect(result.body).toEqual(MISSING_KEY);
  });
});
