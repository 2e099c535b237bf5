import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { beforeEach, describe, expect, it } from "vitest";
import { addMembersStatements, ROWS_PER_STATEMENT } from "../../src/features/audiences/bulk";
import {
  type AudiencePage,
  type AudienceTarget,
  audiencePage,
  resolveAudiences,
} from "../../src/features/audiences/members";
import { rows, upsertOk } from "../contacts/contacts.helpers";
import { measureD1 } from "../d1-cost";
import { db, newProject, type Project } from "../helpers";
import { expectIndexed } from "../query-plan";
import { createAudienceOk, numbers } from "./audiences.helpers";

let p: Project;
beforeEach(async () => {
  p = await newProject("audience units");
});

const pkOf = async (id: string) =>
  (await rows<{ pk: number }>("SELECT pk FROM audiences WHERE project_id = ? AND id = ?", p.id, id))[0]?.pk;

describe("resolveAudiences", () => {
  beforeEach(async () => {
    await createAudienceOk(p.manager, { id: "shoppers", name: "Frequent Shoppers" });
    await createAudienceOk(p.manager, { id: "leads", name: "Leads", filter: { source: "Website lead" } });
    // An id that is also another audience's name: the id wins.
    await createAudienceOk(p.manager, { id: "Leads", name: "Capital leads" });
  });

  it("`all` means every contact, whatever else is named", async () => {
    expect(await resolveAudiences(db(), p.id, ["shoppers", "all", "nope"])).toEqual({
      targets: [{ kind: "all" }],
      unknown: [],
    });
  });

  it("resolves ids to lists and segments, names when no id matches, once each", async () => {
    const shoppers = await pkOf("shoppers");
    const leads = await pkOf("leads");
    const result = await resolveAudiences(db(), p.id, ["shoppers", "Frequent Shoppers", "leads", "shoppers", "nope"]);
    expect(result).toEqual({
      targets: [
        { kind: "list", pk: shoppers, id: "shoppers" },
        { kind: "segment", pk: leads, id: "leads", filter: { source: "Website lead" } },
      ],
      unknown: ["nope"],
    });
  });

  it("an id wins over another audience's identical name", async () => {
    const result = await resolveAudiences(db(), p.id, ["Leads"]);
    expect(result.targets).toEqual([{ kind: "list", pk: await pkOf("Leads"), id: "Leads" }]);
  });

  it("another project's ids and names are unknown", async () => {
    const other = await newProject("other");
    expect(await resolveAudiences(db(), other.id, ["shoppers", "Frequent Shoppers"])).toEqual({
      targets: [],
      unknown: ["shoppers", "Frequent Shoppers"],
    });
  });

  it("nothing named resolves to nothing", async () => {
    expect(await resolveAudiences(db(), p.id, [])).toEqual({ targets: [], unknown: [] });
  });
});

describe("audiencePage", () => {
  async function walk(target: AudienceTarget, projectId = p.id, limit = 2, scan?: number) {
    const seen: string[] = [];
    let after: number | null = 0;
    while (after !== null) {
      const page = await audiencePage(db(), projectId, target, after, limit, scan);
      expect(page.contacts.length).toBeLessThanOrEqual(limit);
      seen.push(...page.contacts.map((c) => c.number));
      after = page.after;
    }
    return seen;
  }

  it("pages through all of a project's contacts, and only its own", async () => {
    const other = await newProject("other");
    await upsertOk(other.manager, { number: "+919999999999" });
    for (const number of numbers(5)) await upsertOk(p.manager, { number });
    expect(await walk({ kind: "all" })).toEqual(numbers(5));
  });

  it("pages through a list's members only, with their opt-out", async () => {
    await upsertOk(p.manager, { number: "+919999999999" });
    await createAudienceOk(p.manager, { id: "l", name: "L", contacts: numbers(5).map((number) => ({ number })) });
    await upsertOk(p.manager, { number: numbers(1, 3)[0] as string, optedOut: true }, 200);
    const target: AudienceTarget = { kind: "list", pk: (await pkOf("l")) as number, id: "l" };
    expect(await walk(target)).toEqual(numbers(5));
    const page = await audiencePage(db(), p.id, target, 0, 10);
    expect(page.contacts.filter((c) => c.optedOut).map((c) => c.number)).toEqual(numbers(1, 3));
    expect(page.after).toBeNull();
    // The same pk named under another project reads nothing.
    const other = await newProject("other");
    expect(await audiencePage(db(), other.id, target, 0, 10)).toEqual({ contacts: [], after: null });
  });

  it("pages through a segment as it is now", async () => {
    for (const [i, number] of numbers(5).entries()) {
      await upsertOk(p.manager, { number, source: i % 2 === 0 ? "Website lead" : "Shop" });
    }
    const target: AudienceTarget = { kind: "segment", pk: 0, id: "s", filter: { source: "Website lead" } };
    const [n0, , n2, , n4] = numbers(5);
    expect(await walk(target)).toEqual([n0, n2, n4]);
    // Read two contacts at a time: pages end early (some empty) but the walk finds the same three.
    expect(await walk(target, p.id, 2, 2)).toEqual([n0, n2, n4]);
  });

  it("reads a segment no further than its scan per page, and moves past what it read", async () => {
    const all = numbers(12);
    for (const [i, number] of all.entries()) await upsertOk(p.manager, { number, source: i === 10 ? "Rare" : "Shop" });
    const target: AudienceTarget = { kind: "segment", pk: 0, id: "s", filter: { source: ["Rare", "Nope"] } };
    const first = await audiencePage(db(), p.id, target, 0, 500, 4);
    expect(first.contacts).toEqual([]);
    const ids = await rows<{ id: number }>("SELECT id FROM contacts WHERE project_id = ? ORDER BY id", p.id);
    expect(first.after).toBe(ids[3]?.id);
    const pages: AudiencePage[] = [first];
    while (pages.at(-1)?.after !== null)
      pages.push(await audiencePage(db(), p.id, target, pages.at(-1)?.after ?? 0, 500, 4));
    // Three full scans of four, then one that finds the end: the one match, in the third.
    expect(pages.map((page) => page.contacts.map((c) => c.number))).toEqual([[], [], [all[10]], []]);
  });

  it("costs a segment page its scan, not the rest of the table", async () => {
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
       INSERT INTO contacts (project_id, number, source, updated_at) SELECT ?, '+9197' || printf('%08d', i), 'Shop', 0 FROM n`,
    )
      .bind(p.id)
      .run();
    const target: AudienceTarget = { kind: "segment", pk: 0, id: "s", filter: { source: ["Rare", "Nope"] } };
    const { result, cost } = await measureD1(env.DB, () => audiencePage(db(), p.id, target, 0, 500, 300));
    expect(result.contacts).toEqual([]);
    // The scan's 300 index entries, read for the page and for its cursor, and the 300 rows tested;
    // reading on until the page filled would read all 3,000.
    expect(cost.rowsRead, JSON.stringify(cost)).toBeLessThanOrEqual(3 * 300 + 10);
  });
});

describe("addMembersStatements", () => {
  it(`writes more than ${ROWS_PER_STATEMENT} members as several statements in one batch`, async () => {
    await createAudienceOk(p.manager, { id: "bulk", name: "Bulk" });
    const pk = (await pkOf("bulk")) as number;
    const members = numbers(1201).map((number, i) => ({ number, name: i === 0 ? "First" : null, source: "CSV" }));
    const statements = addMembersStatements(db(), p.id, pk, members);
    // Contacts and memberships, for each of three chunks.
    expect(statements).toHaveLength(6);
    await db().batch(statements as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    expect(await rows("SELECT count(*) AS n FROM audience_members WHERE audience_pk = ?", pk)).toEqual([{ n: 1201 }]);
    expect(await rows("SELECT count(*) AS n FROM contacts WHERE project_id = ? AND source = 'CSV'", p.id)).toEqual([
      { n: 1201 },
    ]);
    // Again, with a scalar subquery for the pk and other details: nothing is duplicated, a given
    // name replaces the stored one, an omitted one keeps it.
    const again = members.map((m, i) => ({ number: m.number, name: i === 1 ? "Second" : null }));
    const byQuery = sql`(SELECT pk FROM audiences WHERE project_id = ${p.id} AND id = 'bulk')`;
    await db().batch(addMembersStatements(db(), p.id, byQuery, again) as unknown as [BatchItem<"sqlite">]);
    expect(await rows("SELECT count(*) AS n FROM audience_members WHERE audience_pk = ?", pk)).toEqual([{ n: 1201 }]);
    const [first, second] = numbers(2);
    expect(
      await rows(
        "SELECT number, name, source FROM contacts WHERE number IN (?, ?) AND project_id = ? ORDER BY number",
        first,
        second,
        p.id,
      ),
    ).toEqual([
      { number: first, name: "First", source: "CSV" },
      { number: second, name: "Second", source: "CSV" },
    ]);
  });
});

describe("addMembersStatements' plan", () => {
  it("finds each listed member's contact by one index lookup, whatever the project's size", async () => {
    const members = Array.from({ length: 3 }, (_, i) => ({ number: `+9198${String(i).padStart(8, "0")}` }));
    const [, insertMembers] = addMembersStatements(db(), "prj", 1, members);
    const plan = await expectIndexed(insertMembers as never, "c", "contacts_project_number");
    // The list outside, each row seeking its contact: with the contacts outside, every contact of
    // the project would scan the list (rows × contacts).
    expect(plan[0], plan.join("\n")).toMatch(/^SCAN j VIRTUAL TABLE/);
  });
});
