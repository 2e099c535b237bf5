import { describe, expect, it } from "vitest";
import { numbers } from "../audiences/audiences.helpers";
import { call, expectError } from "../helpers";
import {
  audience,
  campaign,
  control,
  getRun,
  group,
  ok,
  runCampaign,
  runReaches,
  sandboxProject,
} from "./runs.helpers";

async function setUp() {
  const p = await sandboxProject();
  await audience(p.manager, "club", numbers(2, 301));
  await group(p.manager, "users", ["first_name", "code"], []);
  const c = await campaign(p.manager);
  return { p, c };
}

describe("POST /v1/run/campaign: bad input", () => {
  it("names the field: audiences missing, empty or unknown; timeToRun unreadable; campaignId missing", async () => {
    const { p, c } = await setUp();
    const run = (body: unknown) => runCampaign(p.manager, body);
    expectError(await run({ campaignId: c.campaignId }), 400, "validation_failed", ["audiences"]);
    expectError(await run({ campaignId: c.campaignId, audiences: [] }), 400, "validation_failed", ["audiences"]);
    const unknown = await run({ campaignId: c.campaignId, audiences: ["club", "nope", "gone"] });
    expectError(unknown, 400, "validation_failed", ["audiences"]);
    expect(unknown.body.error.message).toContain("nope, gone");
    expectError(
      await run({ campaignId: c.campaignId, audiences: ["club"], dryRun: true, timeToRun: "soon" }),
      400,
      "validation_failed",
      ["timeToRun"],
    );
    expectError(
      await run({ campaignId: c.campaignId, audiences: ["club"], timeToRun: "tomorrow" }),
      400,
      "validation_failed",
      ["timeToRun"],
    );
    expectError(await run({ audiences: ["club"] }), 400, "validation_failed", ["campaignId"]);
    expectError(await run({ campaignId: c.campaignId, audiences: ["nope"], dryRun: true }), 400, "validation_failed", [
      "audiences",
    ]);
    expectError(await run({ campaignId: "cmp_unknown", audiences: ["all"] }), 404, "not_found");
    // Nothing was written by any of them.
    expect((await ok(call("GET", `/v1/runs?campaignId=${c.campaignId}`, { key: p.manager }), 200)).runs).toEqual([]);
  });

  it("answers a dry run over filters too large to count at once with a 422 naming audiences, not a 500", async () => {
    const { p, c } = await setUp();
    const run = runCampaign;
    const names = Array.from({ length: 10 }, (_, i) => `a${i}`);
    for (const name of names) await ok(call("POST", "/v1/attributes", { key: p.manager, body: { name } }), 201);
    const attributes = Object.fromEntries(names.map((n) => [n, ["x", "y"]]));
    const segments = ["s1", "s2", "s3", "s4", "s5"];
    for (const id of segments) {
      await ok(
        call("POST", "/v1/create/audience", { key: p.manager, body: { id, name: id, filter: { attributes } } }),
        201,
      );
    }
    const tooBig = await run(p.manager, { campaignId: c.campaignId, audiences: segments, dryRun: true });
    expectError(tooBig, 422, "unprocessable", ["audiences"]);
    expect(tooBig.body.error.message).toContain("fewer audiences");
    // Fewer at once are counted (nobody matches: no contact has these attributes).
    const fewer = await ok(run(p.manager, { campaignId: c.campaignId, audiences: ["s1", "s2"], dryRun: true }), 200);
    expect(fewer.dryRun).toMatchObject({ recipients: 0, wouldSend: 0 });
  });

  it("answers 409 for actions a run's state does not allow", async () => {
    const { p, c } = await setUp();
    const run = (await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"] }), 202)).run;
    await runReaches(p.manager, run.runId, ["completed"]);
    for (const action of ["pause", "resume", "cancel", "retry"] as const) {
      const result = await control(p.manager, run.runId, action);
      expectError(result, 409, "conflict");
      expect(result.body.error.message).toContain(run.runId);
    }
  });
});

describe("runs: credentials, roles and tenancy", () => {
  it("needs a key (401), a manager (403), and hides other projects' campaigns and runs (404)", async () => {
    const { p, c } = await setUp();
    const other = await sandboxProject();
    const run = (
      await ok(
        runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["club"], timeToRun: Date.now() + 3_600_000 }),
        202,
      )
    ).run;
    const paths: [string, string, unknown?][] = [
      ["POST", "/v1/run/campaign", { campaignId: c.campaignId, audiences: ["all"] }],
      ["GET", "/v1/runs"],
      ["GET", `/v1/runs/${run.runId}`],
      ...(["pause", "resume", "cancel", "retry"] as const).map((a): [string, string] => [
        "POST",
        `/v1/runs/${run.runId}/${a}`,
      ]),
    ];
    for (const [method, path, body] of paths) {
      expectError(await call(method, path, { body }), 401, "unauthorized");
      expectError(await call(method, path, { body, key: p.sender }), 403, "forbidden");
      if (path !== "/v1/runs") expectError(await call(method, path, { body, key: other.manager }), 404, "not_found");
    }
    expectError(
      await runCampaign(other.manager, { campaignId: c.campaignId, audiences: ["all"], dryRun: true }),
      404,
      "not_found",
    );
    expect((await ok(call("GET", "/v1/runs", { key: other.manager }), 200)).runs).toEqual([]);
    expect((await getRun(p.manager, run.runId)).body.run.status).toBe("scheduled");
    expectError(await getRun(p.manager, "run_unknown"), 404, "not_found");
    expectError(await call("GET", "/v1/runs?status=running", { key: p.manager }), 400, "validation_failed", ["status"]);
  });
});
