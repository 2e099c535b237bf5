import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { LiveMessage } from "../../src/durable-objects/campaign-stats";
import { recordStats } from "../../src/features/stats/record";
import type { Transition } from "../../src/platform/db/schema";
import { insertCampaignRow } from "../api-campaigns/api-campaigns.helpers";
import { api, call, expectError, newProject, type Project } from "../helpers";
import { openLive } from "./live.helpers";
import { stats, ZERO } from "./stats.helpers";

let n = 0;
async function newCampaign(p: Project, kind: "api" | "broadcast" = "api") {
  const id = `cmp_stats_${crypto.randomUUID().replaceAll("-", "")}`;
  await insertCampaignRow({ id, projectId: p.id, kind, name: `stats-${++n}`, templateId: null });
  return id;
}

const t = (campaignId: string, runId: string | null, from: Transition["from"], to: Transition["to"]): Transition => ({
  messageId: `msg_${++n}`,
  projectId: "prj_x",
  campaignId,
  runId,
  from,
  to,
});

describe("GET /v1/campaigns/{campaignId}/stats", () => {
  it("answers the counters and rates per run and in total, for any key of the project", async () => {
    const p = await newProject();
    const campaignId = await newCampaign(p);
    await recordStats(env, [
      t(campaignId, null, null, "queued"),
      t(campaignId, null, null, "queued"),
      t(campaignId, null, null, "queued"),
      t(campaignId, null, "queued", "sent"),
      t(campaignId, null, "queued", "read"),
      t(campaignId, null, "sent", "delivered"),
      t(campaignId, null, null, "skipped"),
      t(campaignId, "run_b", "queued", "sent"),
      t(campaignId, "run_b", "sent", "failed"),
    ]);
    const expected = {
      campaignId,
      total: {
        ...ZERO,
        queued: 3,
        sent: 3,
        delivered: 2,
        read: 1,
        deliveryErrors: 1,
        skipped: 1,
        deliveryRate: 0.6667,
        readRate: 0.5,
      },
      runs: {
        api: { ...ZERO, queued: 3, sent: 2, delivered: 2, read: 1, skipped: 1, deliveryRate: 1, readRate: 0.5 },
        run_b: { ...ZERO, sent: 1, deliveryErrors: 1, deliveryRate: 0, readRate: 0 },
      },
    };
    for (const key of [p.sender, p.manager]) {
      const result = await api("GET", `/v1/campaigns/${campaignId}/stats`, { key });
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect(result.body).toEqual(expected);
    }
  });

  it("answers zeros and no runs for a campaign with nothing recorded, broadcast campaigns included", async () => {
    const p = await newProject();
    for (const kind of ["api", "broadcast"] as const) {
      const campaignId = await newCampaign(p, kind);
      const result = await api("GET", `/v1/campaigns/${campaignId}/stats`, { key: p.sender });
      expect(result.status).toBe(200);
      expect(result.body).toEqual({ campaignId, total: stats({}), runs: {} });
    }
  });

  it("404s another project's campaign exactly like a missing one, and reads nothing of it", async () => {
    const owner = await newProject();
    const other = await newProject();
    const campaignId = await newCampaign(owner);
    await recordStats(env, [t(campaignId, null, null, "queued")]);
    const foreign = await api("GET", `/v1/campaigns/${campaignId}/stats`, { key: other.manager });
    const missing = await api("GET", "/v1/campaigns/cmp_missing/stats", { key: other.manager });
    for (const result of [foreign, missing]) {
      expectError(result, 404, "not_found");
      expect(result.body.error).toEqual({ code: "not_found", message: "campaign not found" });
    }
  });

  it("401s without a key, with an unknown key, and with the key in the query (header only here)", async () => {
    const p = await newProject();
    const campaignId = await newCampaign(p);
    expectError(await api("GET", `/v1/campaigns/${campaignId}/stats`), 401, "unauthorized");
    expectError(await api("GET", `/v1/campaigns/${campaignId}/stats`, { key: "wak_unknown" }), 401, "unauthorized");
    expectError(await api("GET", `/v1/campaigns/${campaignId}/stats?apiKey=${p.sender}`), 401, "unauthorized");
  });

  it("400s a campaign id longer than 64 characters, naming the path parameter", async () => {
    const p = await newProject();
    expectError(
      await api("GET", `/v1/campaigns/${"c".repeat(65)}/stats`, { key: p.sender }),
      400,
      "validation_failed",
      ["campaignId"],
    );
  });
});

describe("GET /v1/campaigns/{campaignId}/live", () => {
  it("sends the current counters at once, then every change", async () => {
    const p = await newProject();
    const campaignId = await newCampaign(p);
    await recordStats(env, [t(campaignId, null, null, "queued")]);
    const socket = await openLive(`/v1/campaigns/${campaignId}/live`, { Authorization: `Bearer ${p.sender}` });
    expect(await socket.nextJson()).toEqual({
      type: "stats",
      total: stats({ queued: 1 }),
      runs: { api: stats({ queued: 1 }) },
    });

    await recordStats(env, [t(campaignId, null, "queued", "sent"), t(campaignId, "run_2", null, "queued")]);
    // The minutes of the series that moved come along (test/stats/timeline.test.ts has their values).
    const { series: sent, ...afterSent } = (await socket.nextJson()) as LiveMessage;
    expect(afterSent).toEqual({
      type: "stats",
      total: stats({ queued: 2, sent: 1 }),
      runs: { api: stats({ queued: 1, sent: 1 }), run_2: stats({ queued: 1 }) },
    });
    expect(sent?.total.at(-1)).toMatchObject({ sent: 1 });

    await recordStats(env, [t(campaignId, null, "sent", "read")]);
    const { series: read, ...afterRead } = (await socket.nextJson()) as LiveMessage;
    expect(afterRead).toEqual({
      type: "stats",
      total: stats({ queued: 2, sent: 1, delivered: 1, read: 1 }),
      runs: { api: stats({ queued: 1, sent: 1, delivered: 1, read: 1 }), run_2: stats({ queued: 1 }) },
    });
    expect(read?.runs.api?.at(-1)).toMatchObject({ delivered: 1, read: 1 });
    socket.ws.close(1000, "done");
  });

  it("answers ping with pong and ignores any other message", async () => {
    const p = await newProject();
    const campaignId = await newCampaign(p);
    const socket = await openLive(`/v1/campaigns/${campaignId}/live`, { Authorization: p.manager });
    expect(await socket.nextJson()).toEqual({ type: "stats", total: stats({}), runs: {} });
    socket.ws.send("hello");
    socket.ws.send('{"type":"stats"}');
    socket.ws.send("ping");
    // Messages on one socket arrive in order: had "hello" been answered, that answer would come first.
    expect(await socket.next()).toBe("pong");
    socket.ws.send("ping");
    expect(await socket.next()).toBe("pong");
    expect(socket.pending).toEqual([]);
    socket.ws.close(1000, "done");
  });

  it("sends each change to every open socket of the campaign, and nothing of other campaigns", async () => {
    const p = await newProject();
    const campaignId = await newCampaign(p);
    const otherCampaign = await newCampaign(p);
    const auth = { Authorization: `Bearer ${p.sender}` };
    const first = await openLive(`/v1/campaigns/${campaignId}/live`, auth);
    const second = await openLive(`/v1/campaigns/${campaignId}/live`, auth);
    const bystander = await openLive(`/v1/campaigns/${otherCampaign}/live`, auth);
    const initial = { type: "stats", total: stats({}), runs: {} };
    for (const socket of [first, second, bystander]) expect(await socket.nextJson()).toEqual(initial);

    await recordStats(env, [t(campaignId, null, null, "skipped")]);
    const update = { type: "stats", total: stats({ skipped: 1 }), runs: { api: stats({ skipped: 1 }) } };
    expect(await first.nextJson()).toEqual(update);
    expect(await second.nextJson()).toEqual(update);
    // The bystander's next message is the answer to its own ping: no update came before it.
    bystander.ws.send("ping");
    expect(await bystander.next()).toBe("pong");
    for (const socket of [first, second, bystander]) socket.ws.close(1000, "done");
  });

  it("refuses a key in the URL with 400 naming it, valid or not; a browser's session cookie opens the socket", async () => {
    const p = await newProject();
    const campaignId = await newCampaign(p);
    const path = `/v1/campaigns/${campaignId}/live`;
    for (const key of [p.sender, "wak_unknown", ""]) {
      const refused = await api("GET", `${path}?apiKey=${encodeURIComponent(key)}`, {
        headers: { Upgrade: "websocket", Authorization: `Bearer ${p.sender}` },
      });
      expectError(refused, 400, "validation_failed", ["apiKey"]);
    }
    const signIn = await call("POST", "/v1/session", { body: { apiKey: p.sender } });
    const cookie = signIn.headers.get("set-cookie")?.split(";")[0] ?? "";
    const viaCookie = await openLive(path, { Cookie: cookie });
    expect(await viaCookie.nextJson()).toEqual({ type: "stats", total: stats({}), runs: {} });
    viaCookie.ws.close(1000, "done");
  });

  it("401s an upgrade without a key or with an unknown one", async () => {
    const p = await newProject();
    const campaignId = await newCampaign(p);
    const path = `/v1/campaigns/${campaignId}/live`;
    expectError(await api("GET", path, { headers: { Upgrade: "websocket" } }), 401, "unauthorized");
    expectError(
      await api("GET", path, { headers: { Upgrade: "websocket", Authorization: "Bearer wak_unknown" } }),
      401,
      "unauthorized",
    );
  });

  it("404s another project's campaign and a missing one, without opening a socket", async () => {
    const owner = await newProject();
    const other = await newProject();
    const campaignId = await newCampaign(owner);
    for (const path of [`/v1/campaigns/${campaignId}/live`, "/v1/campaigns/cmp_missing/live"]) {
      const result = await api("GET", path, { key: other.sender, headers: { Upgrade: "websocket" } });
      expectError(result, 404, "not_found");
      expect(result.body.error.message).toBe("campaign not found");
    }
  });

  it("426s a request without the WebSocket upgrade, in the error envelope", async () => {
    const p = await newProject();
    const campaignId = await newCampaign(p);
    for (const headers of [{}, { Upgrade: "h2c" }] as Record<string, string>[]) {
      const result = await api("GET", `/v1/campaigns/${campaignId}/live`, { key: p.sender, headers });
      expectError(result, 426, "upgrade_required");
      expect(result.body.error).toEqual({
        code: "upgrade_required",
        message: "this route is a WebSocket: send `Upgrade: websocket`",
      });
      expect(result.headers.get("upgrade")).toBe("websocket");
    }
  });

  it("is in the OpenAPI document with its 101, 400, 401, 404 and 426, and the stats route with its schema", async () => {
    const doc = await api("GET", "/openapi.json");
    const liveOp = doc.body.paths["/v1/campaigns/{campaignId}/live"].get;
    expect(Object.keys(liveOp.responses).sort()).toEqual(["101", "400", "401", "404", "426"]);
    expect(liveOp.security).toEqual([{ ApiKey: [] }]);
    expect(liveOp.parameters.map((param: { name: string; in: string }) => `${param.in}:${param.name}`).sort()).toEqual([
      "path:campaignId",
    ]);
    const statsOp = doc.body.paths["/v1/campaigns/{campaignId}/stats"].get;
    expect(statsOp.responses["200"].content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/CampaignStats",
    });
    expect(Object.keys(doc.body.components.schemas.RunStats.properties).sort()).toEqual(
      [...Object.keys(ZERO), "deliveryRate", "readRate"].sort(),
    );
  });
});
