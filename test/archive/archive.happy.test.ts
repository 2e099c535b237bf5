import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseLine, toLine } from "../../src/features/archive/record";
import { derivedHistory } from "../../src/features/messages/trail";
import { call, newProject } from "../helpers";
import {
  archiveAll,
  count,
  finishedRun,
  MEMBERS,
  manifests,
  objectIds,
  readEverything,
  retarget,
} from "./archive.helpers";

describe("archiving a finished run", { timeout: 60_000 }, () => {
  it("moves its rows to R2, deletes them from D1, and every read answers as before", async () => {
    const { p, campaignId, runId } = await finishedRun("d1");
    const ids = (
      await env.DB.prepare(
        "SELECT id FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) ORDER BY id",
      )
        .bind(runId)
        .all<{ id: string }>()
    ).results.map((r) => r.id);
    const readId = (
      await env.DB.prepare(
        "SELECT id FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) AND number = ?",
      )
        .bind(runId, MEMBERS[3])
        .first<{ id: string }>()
    )?.id as string;
    // A button press on one read message: replied and pressed read it from responses, which stay.
    await env.DB.prepare(
      "INSERT INTO responses (project_id, number, message_id, campaign_id, run_id, wamid, kind, payload, text, received_at) VALUES (?, ?, ?, ?, ?, ?, 'button', 'Yes', 'Yes', 1)",
    )
      .bind(p.id, MEMBERS[4], null, campaignId, runId, `wamid.in.${runId}`)
      .run();
    // Every message carries its steps (queued, claimed, sent, …) on its row.
    const withSteps = await count(
      "SELECT count(*) AS n FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) AND length(trail) >= 3",
      runId,
    );
    expect(withSteps).toBe(ids.length);

    const before = await readEverything(p, campaignId, runId, readId);
    const audiencesBefore = {
      failed: await retarget(p.manager, runId, "b-failed", "failed"),
      unread: await retarget(p.manager, runId, "b-unread", "delivered_not_read"),
      read: await retarget(p.manager, runId, "b-read", "read"),
      quiet: await retarget(p.manager, runId, "b-quiet", "read_not_replied"),
      pressed: await retarget(p.manager, runId, "b-pressed", "pressed", "Yes"),
    };
    expect(audiencesBefore.failed.members.contacts.map((c: { number: string }) => c.number).sort()).toEqual(
      MEMBERS.slice(0, 2),
    );
    expect(audiencesBefore.read.made).toMatchObject({ matched: 2, added: 2 });
    expect(audiencesBefore.quiet.members.contacts.map((c: { number: string }) => c.number)).toEqual([MEMBERS[3]]);
    expect(audiencesBefore.pressed.members.contacts.map((c: { number: string }) => c.number)).toEqual([MEMBERS[4]]);

    await archiveAll(p.id);

    // D1 no longer holds the run's messages, nor (by the foreign key's cascade) any history row of theirs.
    expect(
      await count(
        "SELECT count(*) AS n FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?)",
        runId,
      ),
    ).toBe(0);
    expect(
      await count(
        "SELECT count(*) AS n FROM message_events WHERE message_id IN (SELECT value FROM json_each(?))",
        JSON.stringify(ids),
      ),
    ).toBe(0);
    expect(await count("SELECT count(*) AS n FROM responses WHERE run_id = ?", runId)).toBe(1);
    const [manifest, ...more] = await manifests(p.id);
    expect(more).toEqual([]);
    expect(manifest).toMatchObject({
      state: "pruned",
      messages: ids.length,
      r2_key: `archive/${p.id}/${campaignId}/${runId}.ndjson.gz`,
      first_message_id: ids[0],
      last_message_id: ids.at(-1),
    });
    expect(await objectIds(manifest?.r2_key as string)).toEqual(ids);

    const after = await readEverything(p, campaignId, runId, readId);
    const { history, ...message } = after.message;
    const { history: historyBefore, ...messageBefore } = before.message;
    expect({ ...after, message }).toEqual({ ...before, message: messageBefore });
    // The archive keeps the message's steps: its history reads as it did in D1.
    expect(history).toEqual(historyBefore);
    expect(history.map((h: { status: string }) => h.status)).toEqual([
      "queued",
      "sending",
      "sent",
      "delivered",
      "read",
    ]);

    for (const [name, outcome, button] of [
      ["failed", "failed"],
      ["unread", "delivered_not_read"],
      ["read", "read"],
      ["quiet", "read_not_replied"],
      ["pressed", "pressed", "Yes"],
    ] as const) {
      const again = await retarget(p.manager, runId, `a-${name}`, outcome, button);
      const was = audiencesBefore[name];
      expect(again.made.matched).toBe(was.made.matched);
      expect(again.members.contacts).toEqual(was.members.contacts);
    }

    // Another project's key reads nothing of it.
    const other = await newProject("other");
    expect((await call("GET", `/v1/messages/${readId}`, { key: other.manager })).status).toBe(404);
    expect((await call("POST", "/v1/retrieve/campaign", { key: other.manager, body: { campaignId } })).status).toBe(
      404,
    );
  });

  it("writes a large run in keyset pages and several multipart parts, and reports its compressed size", {
    timeout: 120_000,
  }, async () => {
    const { archiveRun } = await import("./archive.large");
    const size = 100_000;
    const result = await archiveRun(size);
    const { perMessage, parts } = result;
    expect(result).toMatchObject({ messages: size, readBack: size, uniqueIds: size, left: 0 });
    expect(parts).toBeGreaterThan(1);
    // The figure docs/archive.md quotes: compressed bytes per message of a typical record.
    console.log(`archive: ${perMessage.toFixed(1)} compressed bytes per message`);
    expect(perMessage).toBeLessThan(120);
  });

  it("writes one line per message without its nulls, and reads it back whole", () => {
    const message = {
      id: "msg_019a0000000000000000abcd",
      projectId: "prj_1",
      campaignId: "cmp_1",
      runId: "run_1",
      templateId: "tpl_1",
      number: "+919812340000",
      status: "failed" as const,
      attempts: 2,
      wamid: null,
      errorCode: 131026,
      errorTitle: "Message undeliverable",
      errorMessage: 'Unable to deliver, "not on WhatsApp"\nsee docs',
      skipReason: null,
      createdAt: 1,
      updatedAt: 9,
      sentAt: null,
      deliveredAt: null,
      readAt: null,
      failedAt: 9,
      claimedAt: 4,
      trail: "qcf",
      billing: null,
    };
    const line = toLine(message);
    expect(line.endsWith("\n")).toBe(true);
    expect(line.slice(0, -1)).not.toContain("\n");
    expect(line).not.toContain("null");
    expect(parseLine(line)).toEqual(message);
    expect(derivedHistory(message)).toEqual([
      { status: "queued", at: 1, errorCode: null, detail: null },
      { status: "sending", at: 4, errorCode: null, detail: null },
      { status: "failed", at: 9, errorCode: 131026, detail: "Message undeliverable" },
    ]);
    // Archived before trails: rebuilt from the state times.
    expect(derivedHistory({ ...message, claimedAt: null, trail: null })).toEqual([
      { status: "queued", at: 1, errorCode: null, detail: null },
      { status: "failed", at: 9, errorCode: 131026, detail: "Message undeliverable" },
    ]);
  });

  it("rebuilds a cancelled recipient's history as queued, then skipped at its last change", () => {
    const m = parseLine(
      '{"id":"msg_1","projectId":"prj_1","number":"+1","status":"skipped","createdAt":1,"updatedAt":5,"skipReason":"cancelled","future":"ignored"}',
    );
    expect(m.sentAt).toBeNull();
    expect(m.attempts).toBe(0);
    expect(derivedHistory(m)).toEqual([
      { status: "queued", at: 1, errorCode: null, detail: null },
      { status: "skipped", at: 5, errorCode: null, detail: "cancelled" },
    ]);
    expect(derivedHistory({ ...m, skipReason: "opted_out" })).toEqual([
      { status: "skipped", at: 5, errorCode: null, detail: "opted_out" },
    ]);
  });
});
