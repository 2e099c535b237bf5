import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { persistApiSends } from "../../src/features/api-campaigns/persist";
import { mergePatch } from "../../src/features/messages/payload";
import type { ApiSendJob } from "../../src/queues/contracts";
import type { TemplateMessage } from "../../src/whatsapp/provider";
import { measureD1 } from "../d1-cost";
import { apiJob } from "../delivery/pipeline.helpers";
import { db, newProject } from "../helpers";
import { storedMessage } from "./messages.helpers";

// A message row keeps only what its message adds to the payload its campaign's messages share;
// the claim reads the whole message back. These check that what is read is exactly what was
// accepted, whatever the message holds, and what the row costs.

const numberOf = (i: number) => `+9196${String(i).padStart(8, "0")}`;

function job(projectId: string, i: number, payload: Partial<TemplateMessage> = {}): ApiSendJob {
  const base = apiJob(projectId, "cmp_shared", "tpl_shared", numberOf(i)) as unknown as ApiSendJob;
  return { ...base, payload: { ...base.payload, ...payload } };
}

const rowOf = (id: string) =>
  env.DB.prepare("SELECT payload, payload_base FROM messages WHERE id = ?")
    .bind(id)
    .first<{ payload: string | null; payload_base: number | null }>();

describe("a message's payload stored once per campaign", () => {
  it("reads back every kind of message exactly as accepted, with only its own part on the row", async () => {
    const p = await newProject();
    const header = { type: "image" as const, link: "https://media.example.test/a.jpg" };
    const buttons = [{ index: 0, subType: "quick_reply" as const, payload: "yes" }];
    const kinds: Partial<TemplateMessage>[] = [
      {},
      { header, buttons },
      { header, buttons, body: ["Ravi", "#2"] },
      // A member the shared part lacks, and a nested one that differs from it.
      { header: { type: "document", link: "https://media.example.test/b.pdf", filename: "b.pdf" } },
      { template: { name: "order_update", language: "hi" }, typed: [{ index: 1, type: "date_time" }] },
      { expiresAt: 1_900_000_000_000, offerExpiresAt: 1_800_000_000_000, body: ['ü ☃ " \\ 12.50'] },
      {
        cards: [
          { header: { type: "image", link: "https://media.example.test/c.jpg" }, body: ["1"], buttons },
          { header: { type: "video", id: "media-1" }, body: [] },
        ],
      },
      // A recipient spelled differently from the row's number.
      { to: "+91 96 0000 0007" },
    ];
    const jobs = kinds.map((kind, i) => job(p.id, i, kind));
    await persistApiSends(db(), jobs);
    for (const j of jobs) {
      expect(await storedMessage(j.messageId)).toEqual(JSON.parse(JSON.stringify(j.payload)));
    }
    // The plain one keeps its body values only; its template is in the shared part.
    const plain = await rowOf(jobs[0]?.messageId as string);
    expect(JSON.parse(plain?.payload ?? "null")).toEqual({ body: ["Asha", "#1"] });
    expect(plain?.payload_base).not.toBeNull();
    // Messages with the same shared part point at one base.
    const same = await rowOf(jobs[1]?.messageId as string);
    expect((await rowOf(jobs[2]?.messageId as string))?.payload_base).toBe(same?.payload_base);
  });

  it("keeps an empty body (a template without body variables) in the shared part, not on every row", async () => {
    const p = await newProject();
    const header = { type: "image" as const, link: "https://media.example.test/a.jpg" };
    const jobs = [0, 1].map((i) => job(p.id, i, { header, body: [] }));
    const withValues = job(p.id, 2, { header, body: ["Ravi"] });
    await persistApiSends(db(), [...jobs, withValues]);
    for (const j of [...jobs, withValues]) {
      expect(await storedMessage(j.messageId)).toEqual(JSON.parse(JSON.stringify(j.payload)));
    }
    const [a, b] = await Promise.all(jobs.map((j) => rowOf(j.messageId)));
    expect(a?.payload).toBe("{}");
    expect(b?.payload_base).toBe(a?.payload_base);
    // A message with body values points at another base, and keeps its values.
    const other = await rowOf(withValues.messageId);
    expect(JSON.parse(other?.payload ?? "null")).toEqual({ body: ["Ravi"] });
    expect(other?.payload_base).not.toBe(a?.payload_base);
  });

  it("writes a campaign's shared part once: a later slice names it without inserting it again", async () => {
    const p = await newProject();
    const first = await measureD1(env.DB, () => persistApiSends(db(), [job(p.id, 0), job(p.id, 1)]));
    const later = await measureD1(env.DB, () => persistApiSends(db(), [job(p.id, 2), job(p.id, 3)]));
    expect(later.cost.statements).toBe(first.cost.statements - 1);
    const bases = await env.DB.prepare(
      "SELECT count(DISTINCT payload_base) AS bases, count(*) AS rows FROM messages WHERE project_id = ?",
    )
      .bind(p.id)
      .first();
    expect(bases).toEqual({ bases: 1, rows: 4 });
  });

  it("keeps the whole message on a row whose shared part is missing from the table", async () => {
    const p = await newProject();
    await persistApiSends(db(), [job(p.id, 0)]);
    // This isolate believes the base is written; it is gone (a restore to an earlier point in time).
    await env.DB.prepare("DELETE FROM payload_bases").run();
    const next = job(p.id, 1, { body: ["Mina", "#9"] });
    await persistApiSends(db(), [next]);
    const row = await rowOf(next.messageId);
    expect(row?.payload_base).toBeNull();
    expect(JSON.parse(row?.payload ?? "null")).toEqual(JSON.parse(JSON.stringify(next.payload)));
    expect(await storedMessage(next.messageId)).toEqual(JSON.parse(JSON.stringify(next.payload)));
  });

  it("keeps whole a message a merge patch cannot express (a null of its own, which a patch reads as removal)", async () => {
    const p = await newProject();
    const odd = job(p.id, 0, { body: null as unknown as string[] });
    await persistApiSends(db(), [odd]);
    expect((await rowOf(odd.messageId))?.payload_base).toBeNull();
    expect(await storedMessage(odd.messageId)).toEqual(odd.payload);
  });

  it("applies a merge patch as SQLite's json_patch does", async () => {
    const base = { a: { b: 1, c: [1, 2] }, d: "x" };
    const patch = { a: { b: null, c: [3] }, e: 2 };
    const row = await env.DB.prepare("SELECT json_patch(?, ?) AS out")
      .bind(JSON.stringify(base), JSON.stringify(patch))
      .first<{ out: string }>();
    expect(mergePatch(base, patch)).toEqual(JSON.parse(row?.out ?? "null"));
  });
});
