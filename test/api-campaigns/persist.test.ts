import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { persistApiSends } from "../../src/features/api-campaigns/persist";
import type { ApiSendJob } from "../../src/queues/contracts";
import { measureD1 } from "../d1-cost";
import { apiJob } from "../delivery/pipeline.helpers";
import { call, db, newProject } from "../helpers";
import { historyStatuses } from "../messages/messages.helpers";

// The sends consumer persists a slice's API sends together: one D1 batch of a fixed number of
// statements, whatever the number of sends, where each send alone cost five.

const numberOf = (i: number) => `+9197${String(i).padStart(8, "0")}`;

function jobs(projectId: string, count: number, extra: Partial<ApiSendJob> = {}): ApiSendJob[] {
  return Array.from({ length: count }, (_, i) => ({
    ...(apiJob(projectId, "cmp_persist", "tpl_persist", numberOf(i)) as unknown as ApiSendJob),
    ...extra,
  }));
}

describe("persisting a slice's API sends", () => {
  it("writes 50 contacts and messages in one batch of the same statements as 5, each once", async () => {
    const p = await newProject();
    const few = await measureD1(env.DB, () => persistApiSends(db(), jobs(p.id, 5)));
    const p2 = await newProject();
    const many = jobs(p2.id, 50);
    const { result, cost } = await measureD1(env.DB, () => persistApiSends(db(), many));
    // The first persist also names the campaign and the template by their refs, once per
    // campaign, template and isolate.
    expect(few.cost.statements).toBeLessThanOrEqual(7);
    expect(cost.statements).toBeLessThanOrEqual(few.cost.statements);
    expect(cost.statements).toBeLessThanOrEqual(5);
    expect(result.every((r) => r.created?.to === "queued" && r.skipReason === undefined)).toBe(true);
    const counts = await env.DB.prepare(
      "SELECT (SELECT count(*) FROM messages WHERE project_id = ?1 AND status = 'queued') AS messages, (SELECT count(*) FROM contacts WHERE project_id = ?1 AND name = 'Asha') AS contacts",
    )
      .bind(p2.id)
      .first();
    expect(counts).toEqual({ messages: 50, contacts: 50 });
    expect(await historyStatuses(many[0]?.messageId as string)).toEqual(["queued"]);

    // Delivered again: nothing is created twice, and each answer says what is stored.
    const again = await persistApiSends(db(), many);
    expect(again.every((r) => r.created === null && r.skipReason === undefined)).toBe(true);
    const total = await env.DB.prepare("SELECT count(*) AS n FROM messages WHERE project_id = ?").bind(p2.id).first();
    expect(total).toEqual({ n: 50 });
  });

  it("skips a marketing send to a contact the database has opted out, and keeps the request's own reason", async () => {
    const p = await newProject();
    await env.DB.prepare(
      "INSERT INTO contacts (project_id, number, opted_out, created_at, updated_at) VALUES (?, ?, 1, 0, 0)",
    )
      .bind(p.id, numberOf(0))
      .run();
    const [stopped, other] = jobs(p.id, 2, { category: "MARKETING" }) as [ApiSendJob, ApiSendJob];
    const [utility] = jobs(p.id, 1) as [ApiSendJob];
    const paused: ApiSendJob = { ...other, skipReason: "us_marketing_paused" };
    const result = await persistApiSends(db(), [stopped, paused, { ...utility, messageId: `${utility.messageId}u` }]);
    expect(result.map((r) => r.skipReason)).toEqual(["opted_out", "us_marketing_paused", undefined]);
    expect(result.map((r) => r.created?.to)).toEqual(["skipped", "skipped", "queued"]);
    // The contact stays opted out: an API send never changes it.
    const contact = await env.DB.prepare("SELECT opted_out FROM contacts WHERE project_id = ? AND number = ?")
      .bind(p.id, numberOf(0))
      .first();
    expect(contact).toEqual({ opted_out: 1 });
  });

  it("rewrites a known contact only when the send changes its name or source", async () => {
    const p = await newProject();
    await persistApiSends(db(), jobs(p.id, 20));
    const before = await env.DB.prepare("SELECT number, updated_at FROM contacts WHERE project_id = ? ORDER BY number")
      .bind(p.id)
      .all();
    // The same 20 people again, with the same name: their contacts cost D1 no row written but the
    // statement's one (the AUTOINCREMENT sequence), where each rewrite cost the row and its source
    // index entry: two rows a send.
    const { cost } = await measureD1(env.DB, () => persistApiSends(db(), jobs(p.id, 20)), { bySql: true });
    const contactWrites = [...(cost.bySql?.entries() ?? [])]
      .filter(([text]) => text.startsWith('insert into "contacts"'))
      .reduce((sum, [, c]) => sum + c.rowsWritten, 0);
    expect(contactWrites).toBeLessThanOrEqual(1);
    const after = await env.DB.prepare("SELECT number, updated_at FROM contacts WHERE project_id = ? ORDER BY number")
      .bind(p.id)
      .all();
    expect(after.results).toEqual(before.results);

    // A new name or a source is still applied, and only to the contacts it changes.
    const [renamed, sourced] = jobs(p.id, 2) as [ApiSendJob, ApiSendJob];
    await persistApiSends(db(), [
      { ...renamed, contact: { ...renamed.contact, name: "Asha R" } },
      { ...sourced, messageId: `${sourced.messageId}s`, contact: { ...sourced.contact, source: "crm" } },
    ]);
    const changed = await env.DB.prepare(
      "SELECT number, name, source FROM contacts WHERE project_id = ? AND (name <> 'Asha' OR source IS NOT NULL) ORDER BY number",
    )
      .bind(p.id)
      .all();
    expect(changed.results).toEqual([
      { number: numberOf(0), name: "Asha R", source: null },
      { number: numberOf(1), name: "Asha", source: "crm" },
    ]);
  });

  it("applies the tags and attributes the project defines, and leaves out the ones it does not", async () => {
    const p = await newProject();
    await call("POST", "/v1/tags", { key: p.manager, body: { name: "vip" } });
    await call("POST", "/v1/attributes", { key: p.manager, body: { name: "city" } });
    const [job] = jobs(p.id, 1) as [ApiSendJob];
    await persistApiSends(db(), [
      { ...job, contact: { ...job.contact, tags: ["vip", "unknown"], attributes: { city: "Pune", shoe: "9" } } },
    ]);
    const contact = await call("GET", `/v1/contacts/${encodeURIComponent(job.contact.number)}`, { key: p.manager });
    expect(contact.body).toMatchObject({ tags: ["vip"], attributes: { city: "Pune" } });
  });
});
