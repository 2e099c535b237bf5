import { describe, expect, it } from "vitest";
import { call, expectError, newProject } from "../helpers";
import { archiveAll, count, finishedRun, MEMBERS } from "./archive.helpers";

// GET /v1/runs/{runId}/failures: a run's failures by Meta code with plain labels, from D1 or from
// the archive alike; the recipients behind a code are an audience away.

const failures = (key: string | undefined, runId: string) => call("GET", `/v1/runs/${runId}/failures`, { key });

const EXPECTED = {
  status: "success",
  failed: 2,
  failures: [
    { code: 131000, label: "Something went wrong at WhatsApp", count: 1 },
    { code: 131026, label: "Not on WhatsApp (or cannot receive this message)", count: 1 },
  ],
};

describe("GET /v1/runs/{runId}/failures", { timeout: 60_000 }, () => {
  it("groups the run's failures by code, the same before and after the run moves to the archive", async () => {
    const { p, runId } = await finishedRun("d1");
    const live = await failures(p.sender, runId);
    expect(live.status, JSON.stringify(live.body)).toBe(200);
    expect(live.body).toEqual({ ...EXPECTED, runId });

    // The recipients behind one code, as an audience.
    const made = await call("POST", `/v1/runs/${runId}/audience`, {
      key: p.manager,
      body: { id: "unreachable", name: "Unreachable", outcome: "failed", errorCode: 131026 },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.matched).toBe(1);
    const members = await call("GET", "/v1/retrieve/audience/contacts?id=unreachable&limit=10", { key: p.manager });
    expect(JSON.stringify(members.body)).toContain(MEMBERS[0]);
    expect(JSON.stringify(members.body)).not.toContain(MEMBERS[1]);

    await archiveAll(p.id);
    expect(
      await count(
        "SELECT count(*) AS n FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?)",
        runId,
      ),
    ).toBe(0);
    const archived = await failures(p.manager, runId);
    expect(archived.body).toEqual({ ...EXPECTED, runId });
  });

  it("answers 404 for another project's run or an unknown one, 401 without a key, 400 for a bad id", async () => {
    const { p, runId } = await finishedRun("d1");
    const other = await newProject("failures other");
    expectError(await failures(other.manager, runId), 404, "not_found");
    expectError(await failures(p.manager, "run_unknown"), 404, "not_found");
    expect((await failures(undefined, runId)).status).toBe(401);
    expectError(await failures(p.manager, "x".repeat(65)), 400, "validation_failed", ["runId"]);
    // errorCode narrows `failed` only.
    expectError(
      await call("POST", `/v1/runs/${runId}/audience`, {
        key: p.manager,
        body: { id: "x", name: "x", outcome: "read", errorCode: 131026 },
      }),
      400,
      "validation_failed",
      ["errorCode"],
    );
  });
});
