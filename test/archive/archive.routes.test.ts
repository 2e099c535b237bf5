import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { idAt } from "../../src/features/archive/units";
import { ADMIN_TOKEN, anIso, call, expectError, newProject } from "../helpers";
import { createOk, minimal } from "../templates/templates.helpers";
import { archiveAll, finishedRun, manifests } from "./archive.helpers";

const SETTINGS = "/v1/project/settings";

describe("GET and PATCH /v1/project/settings", () => {
  it("reads the default retention and changes it with a manager key", async () => {
    const p = await newProject("settings");
    expect(await call("GET", SETTINGS, { key: p.sender })).toMatchObject({ status: 200, body: { retentionDays: 30 } });
    const changed = await call("PATCH", SETTINGS, { key: p.manager, body: { retentionDays: 7 } });
    expect(changed).toMatchObject({ status: 200, body: { retentionDays: 7 } });
    expect(await call("GET", SETTINGS, { key: p.manager })).toMatchObject({ body: { retentionDays: 7 } });
    // Another project keeps its own.
    const other = await newProject("settings other");
    expect((await call("GET", SETTINGS, { key: other.manager })).body).toEqual({ retentionDays: 30 });
  });

  it("refuses a bad retention, naming the field", async () => {
    const p = await newProject("settings bad");
    for (const retentionDays of [0, -3, 1.5, "30", 100_000, null]) {
      const result = await call("PATCH", SETTINGS, { key: p.manager, body: { retentionDays } });
      expectError(result, 400, "validation_failed", ["retentionDays"]);
    }
    expect((await call("GET", SETTINGS, { key: p.manager })).body).toEqual({ retentionDays: 30 });
  });

  it("needs a key, and a manager key to change", async () => {
    const p = await newProject("settings roles");
    expect((await call("GET", SETTINGS)).status).toBe(401);
    expectError(await call("PATCH", SETTINGS, { key: p.sender, body: { retentionDays: 5 } }), 403, "forbidden");
  });
});

describe("the operator's archive routes", { timeout: 60_000 }, () => {
  const admin = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };

  it("triggers an archive now, then lists its manifest and progress", async () => {
    const { p, campaignId, runId } = await finishedRun("d1");
    const queued = await call("POST", `/v1/admin/projects/${p.id}/archive`, {
      ...admin,
      body: { before: new Date().toISOString() },
    });
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    expect(queued.body).toMatchObject({ retentionDays: 30, queuedAt: anIso(), requestedBefore: anIso() });
    // The queued job runs on the real queue; slices here as well converge on the same state.
    await archiveAll(p.id);
    const status = await call("GET", `/v1/admin/projects/${p.id}/archive`, admin);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      retentionDays: 30,
      writing: { units: 0, messages: 0, bytes: 0 },
      written: { units: 0, messages: 0, bytes: 0 },
      pruned: { units: 1, messages: 5, bytes: expect.any(Number) },
      error: null,
    });
    const list = await call("GET", `/v1/admin/projects/${p.id}/archive/manifests?limit=10`, admin);
    expect(list.status).toBe(200);
    const [row] = await manifests(p.id);
    expect(list.body).toEqual({
      data: [
        {
          id: expect.any(Number),
          campaignId,
          runId,
          day: null,
          key: `archive/${p.id}/${campaignId}/${runId}.ndjson.gz`,
          state: "pruned",
          messages: 5,
          bytes: row?.bytes,
          firstMessageId: row?.first_message_id,
          lastMessageId: row?.last_message_id,
          keptLive: 0,
          createdAt: anIso(),
          prunedAt: anIso(),
        },
      ],
      nextCursor: null,
    });
  });

  it("refuses a future cutoff, an unknown project, and a project key", async () => {
    const p = await newProject("archive admin");
    const future = new Date(Date.now() + 86_400_000).toISOString();
    expectError(
      await call("POST", `/v1/admin/projects/${p.id}/archive`, { ...admin, body: { before: future } }),
      400,
      "validation_failed",
      ["before"],
    );
    expectError(
      await call("POST", `/v1/admin/projects/${p.id}/archive`, { ...admin, body: { before: "yesterday" } }),
      400,
      "validation_failed",
      ["before"],
    );
    expectError(await call("GET", "/v1/admin/projects/prj_unknown/archive", admin), 404, "not_found");
    expectError(await call("GET", "/v1/admin/projects/prj_unknown/archive/manifests", admin), 404, "not_found");
    expectError(await call("POST", "/v1/admin/projects/prj_unknown/archive", { ...admin, body: {} }), 404, "not_found");
    for (const key of [p.manager, p.sender]) {
      expect((await call("POST", `/v1/admin/projects/${p.id}/archive`, { key, body: {} })).status).toBe(401);
      expect((await call("GET", `/v1/admin/projects/${p.id}/archive`, { key })).status).toBe(401);
      expect((await call("GET", `/v1/admin/projects/${p.id}/archive/manifests`, { key })).status).toBe(401);
    }
  });
});

describe("POST /v1/runs/{runId}/audience", { timeout: 60_000 }, () => {
  it("checks its input, the run's project and the key's role", async () => {
    const { p, runId } = await finishedRun("d1");
    const post = (body: unknown, key = p.manager, run = runId) =>
      call("POST", `/v1/runs/${run}/audience`, { key, body });
    expectError(await post({ id: "x", outcome: "read" }), 400, "validation_failed", ["name"]);
    expectError(await post({ id: "x", name: "x", outcome: "clicked" }), 400, "validation_failed", ["outcome"]);
    expectError(await post({ id: "x", name: "x", outcome: "pressed" }), 400, "validation_failed", ["button"]);
    expectError(await post({ id: "x", name: "x", outcome: "read", button: "Yes" }), 400, "validation_failed", [
      "button",
    ]);
    expectError(await post({ id: "no spaces", name: "x", outcome: "read" }), 400, "validation_failed", ["id"]);
    expectError(await post({ id: "x", name: "x", outcome: "read" }, p.sender), 403, "forbidden");
    expectError(await post({ id: "x", name: "x", outcome: "read" }, p.manager, "run_unknown"), 404, "not_found");
    const other = await newProject("retarget other");
    expectError(await post({ id: "x", name: "x", outcome: "read" }, other.manager), 404, "not_found");
    expect(
      (await call("POST", `/v1/runs/${runId}/audience`, { body: { id: "x", name: "x", outcome: "read" } })).status,
    ).toBe(401);
    const segment = await call("POST", "/v1/create/audience", {
      key: p.manager,
      body: { id: "seg", name: "seg", filter: { source: "Website lead" } },
    });
    expect(segment.status, JSON.stringify(segment.body)).toBe(201);
    expectError(await post({ id: "seg", outcome: "read" }), 409, "conflict");
    // A name another audience has.
    expectError(await post({ id: "new", name: "seg", outcome: "read" }), 409, "conflict");
  });
});

describe("an API campaign's days", { timeout: 60_000 }, () => {
  it("moves whole past days to the archive, and GET /v1/messages/{id} still answers", async () => {
    const p = await newProject("api days");
    const template = await createOk(p.manager, minimal());
    const campaign = await call("POST", "/v1/api-campaigns", {
      key: p.manager,
      body: { name: "orders", templateId: template.id },
    });
    expect(campaign.status).toBe(201);
    const day = Date.parse("2026-01-02T00:00:00.000Z");
    const ids = [day + 1000, day + 5000, day + 86_400_000 - 1].map((t, i) => `${idAt(t)}00000000000${i}`);
    const today = `${idAt(Date.now())}000000000009`;
    for (const [i, id] of [...ids, today].entries()) {
      await env.DB.prepare(
        "INSERT INTO messages (id, project_id, campaign_id, template_id, number, status, attempts, wamid, created_at, updated_at, sent_at, delivered_at) VALUES (?, ?, (SELECT coalesce(ref, id) FROM campaigns WHERE id = ?), ?, ?, 'delivered', 1, ?, ?, ?, ?, ?)",
      )
        .bind(
          id,
          p.id,
          campaign.body.id,
          template.id,
          `+9198765432${i}0`,
          `wamid.${id}`,
          day + i,
          day + i + 9,
          day + i + 5,
          day + i + 9,
        )
        .run();
    }
    const before = await call("GET", `/v1/messages/${ids[1]}`, { key: p.manager });
    expect(before.status).toBe(200);
    await archiveAll(p.id);
    const [manifest, ...rest] = await manifests(p.id);
    expect(rest).toEqual([]);
    expect(manifest).toMatchObject({ state: "pruned", messages: 3, first_message_id: ids[0], last_message_id: ids[2] });
    expect(manifest?.r2_key).toBe(`archive/${p.id}/${campaign.body.id}/2026-01-02.ndjson.gz`);
    // Today's message is not a whole past day: it stays.
    const left = await env.DB.prepare("SELECT id FROM messages WHERE project_id = ?").bind(p.id).all<{ id: string }>();
    expect(left.results.map((r) => r.id)).toEqual([today]);
    const after = await call("GET", `/v1/messages/${ids[1]}`, { key: p.manager });
    expect(after.status).toBe(200);
    expect(after.body).toEqual({
      ...before.body,
      history: [
        { status: "queued", at: new Date(day + 1).toISOString(), errorCode: null, detail: null },
        { status: "sent", at: new Date(day + 6).toISOString(), errorCode: null, detail: null },
        { status: "delivered", at: new Date(day + 10).toISOString(), errorCode: null, detail: null },
      ],
    });
    const other = await newProject("api days other");
    expectError(await call("GET", `/v1/messages/${ids[1]}`, { key: other.manager }), 404, "not_found");
    expectError(await call("GET", `/v1/messages/${idAt(day)}ffffffffffff`, { key: p.manager }), 404, "not_found");
  });
});
