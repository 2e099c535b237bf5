import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { runArchiveSlice } from "../../src/features/archive/job";
import { failD1 } from "../d1-faults";
import { call } from "../helpers";
import { count, deps, finishedRun, manifests, objectIds, readEverything } from "./archive.helpers";

const faults: { clear: () => void }[] = [];
afterEach(() => {
  for (const f of faults.splice(0)) f.clear();
});

/** The files bucket with `method` failing on its next `times` calls. */
function failingBucket(method: "put" | "get", times = 1): Env {
  let left = times;
  const bucket = new Proxy(env.FILES, {
    get(target, prop) {
      const value = Reflect.get(target, prop);
      if (prop === method) {
        return (...args: unknown[]) => {
          if (left-- > 0) return Promise.reject(new Error(`injected R2 ${method} failure`));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { ...env, FILES: bucket } as Env;
}

const slice = (projectId: string, bindings: Env = env) =>
  runArchiveSlice(deps(bindings), { kind: "archive", projectId, before: Date.now() + 1000 }, "crash-holder");

describe("a crash anywhere in archiving loses nothing and doubles nothing", { timeout: 60_000 }, () => {
  it("converges after failures at every step, each followed by a re-run", async () => {
    const { p, campaignId, runId } = await finishedRun("d1");
    const ids = (
      await env.DB.prepare(
        "SELECT id FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) ORDER BY id",
      )
        .bind(runId)
        .all<{ id: string }>()
    ).results.map((r) => r.id);
    const messageId = ids[2] as string;
    const before = await readEverything(p, campaignId, runId, messageId);
    const stillLive = async () =>
      count(
        "SELECT count(*) AS n FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?)",
        runId,
      );

    // 1. The R2 write fails: the manifest stays `writing`, every row stays in D1, reads are live.
    await expect(slice(p.id, failingBucket("put"))).rejects.toThrow(/injected R2 put/);
    expect((await manifests(p.id)).map((m) => m.state)).toEqual(["writing"]);
    expect(await stillLive()).toBe(ids.length);
    expect(await readEverything(p, campaignId, runId, messageId)).toEqual(before);

    // 2. The object is written but the manifest write fails: still `writing`, rows untouched.
    const manifestWrite = failD1(env.DB, /update "archives" set "state"/, 1);
    faults.push(manifestWrite);
    await expect(slice(p.id)).rejects.toThrow();
    expect(manifestWrite.hits).toBe(1);
    expect((await manifests(p.id)).map((m) => m.state)).toEqual(["writing"]);
    expect(await stillLive()).toBe(ids.length);

    // 3. The delete fails after some rows went (a batch applied, then the invocation died): the
    //    manifest is `written` and reads answer from the object, with the rows left in D1 winning.
    const deleteBatch = failD1(env.DB, /DELETE FROM messages WHERE id IN/, 1);
    faults.push(deleteBatch);
    await expect(slice(p.id)).rejects.toThrow();
    expect(deleteBatch.hits).toBe(1);
    expect((await manifests(p.id)).map((m) => m.state)).toEqual(["written"]);
    await env.DB.prepare("DELETE FROM messages WHERE id IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(ids.slice(0, 2)))
      .run();
    expect(await stillLive()).toBe(ids.length - 2);
    expect(await readEverything(p, campaignId, runId, messageId)).toEqual({
      ...before,
      message: before.message,
    });

    // 4. The last step, marking the manifest pruned, fails after every row was deleted.
    const pruneMark = failD1(env.DB, /update "archives" set "state"/, 1);
    faults.push(pruneMark);
    await expect(slice(p.id)).rejects.toThrow();
    expect(pruneMark.hits).toBe(1);
    expect((await manifests(p.id)).map((m) => m.state)).toEqual(["written"]);
    expect(await stillLive()).toBe(0);

    // The re-run converges: one manifest, pruned, one object with every message exactly once.
    expect(await slice(p.id)).toBe("done");
    const all = await manifests(p.id);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ state: "pruned", messages: ids.length });
    expect(await objectIds(all[0]?.r2_key as string)).toEqual(ids);
    expect(await slice(p.id)).toBe("done");
    expect(await manifests(p.id)).toEqual(all);

    const after = await readEverything(p, campaignId, runId, messageId);
    const { history, ...message } = after.message;
    const { history: _live, ...messageBefore } = before.message;
    expect({ ...after, message }).toEqual({ ...before, message: messageBefore });
    expect(history.length).toBeGreaterThan(0);
  });

  it("answers 500, never an empty answer, when an archived object cannot be read", async () => {
    const { p, campaignId, runId } = await finishedRun("d1");
    await runArchiveSlice(deps(), { kind: "archive", projectId: p.id, before: Date.now() + 1000 }, "h");
    const [manifest] = await manifests(p.id);
    expect(manifest?.state).toBe("pruned");
    await env.FILES.delete(manifest?.r2_key as string);
    const details = await call("POST", "/v1/retrieve/campaign", { key: p.manager, body: { campaignId, limit: 10 } });
    expect(details.status).toBe(500);
    expect(details.body.error.code).toBe("internal_error");
    expect(runId).toMatch(/^run_/);
  });

  it("lets one slice hold a project at a time; the others leave it to the holder", async () => {
    const { p } = await finishedRun("d1");
    // A holder that took the lease and is still working (its lease has not run out).
    await env.DB.prepare(
      "INSERT INTO archive_jobs (project_id, lease_holder, lease_until, updated_at) VALUES (?, 'other', ?, 0)",
    )
      .bind(p.id, Date.now() + 60_000)
      .run();
    expect(await runArchiveSlice(deps(), { kind: "archive", projectId: p.id }, "second")).toBe("busy");
    expect(await manifests(p.id)).toEqual([]);
    // The holder's own retry (the same queue message) takes it back.
    expect(
      await runArchiveSlice(deps(), { kind: "archive", projectId: p.id, before: Date.now() + 1000 }, "other"),
    ).toBe("done");
    expect((await manifests(p.id)).map((m) => m.state)).toEqual(["pruned"]);
  });
});
