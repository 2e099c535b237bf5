import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { type ContactFilter, listContacts, listContactsQuery } from "../../src/features/contacts/store";
import { measureD1 } from "../d1-cost";
import { db, newProject, type Project } from "../helpers";
import { expectIndexed } from "../query-plan";
import { defineAttributes, defineTags } from "./contacts.helpers";

const CONTACTS = 3_000;
const PAGE = 50;

let p: Project;

/** CONTACTS contacts, every one tagged `vip` and with city Pune, written in three statements. */
beforeAll(async () => {
  p = await newProject("list cost");
  await defineTags(p.manager, "vip");
  await defineAttributes(p.manager, "city");
  await env.DB.batch([
    env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO contacts (project_id, number, source, updated_at) SELECT ?, '+9196' || printf('%08d', i), 'Shop', 0 FROM n`,
    ).bind(CONTACTS, p.id),
    env.DB.prepare(
      `INSERT INTO contact_tags (contact_id, tag_id)
       SELECT c.id, t.id FROM contacts c JOIN tags t ON t.project_id = c.project_id AND t.name = 'vip' WHERE c.project_id = ?`,
    ).bind(p.id),
    env.DB.prepare(
      `INSERT INTO contact_attributes (contact_id, attribute_id, value)
       SELECT c.id, a.id, 'Pune' FROM contacts c JOIN attributes a ON a.project_id = c.project_id AND a.name = 'city' WHERE c.project_id = ?`,
    ).bind(p.id),
  ]);
});

describe("listing contacts by tag or attribute costs a page, not the tag's members", () => {
  it.each<[string, ContactFilter, string, string]>([
    ["a tag", { tag: "vip" }, "contact_tags", "contact_tags_tag"],
    [
      "a tag and an attribute",
      { tag: "vip", attribute: { name: "city", value: "Pune" } },
      "contact_tags",
      "contact_tags_tag",
    ],
    ["an attribute", { attribute: { name: "city", value: "Pune" } }, "contact_attributes", "contact_attributes_value"],
    ["a source", { source: "Shop" }, "contacts", "contacts_project_source"],
  ])("%s: the page is read from the cursor through its index", async (_, filter, table, index) => {
    const plan = await expectIndexed(listContactsQuery(db(), p.id, filter, 100, PAGE), table, index);
    expect(plan.join("\n")).not.toContain("TEMP B-TREE");
  });

  it.each<[string, ContactFilter]>([
    ["a tag", { tag: "vip" }],
    ["an attribute", { attribute: { name: "city", value: "Pune" } }],
  ])("%s: a page from the middle reads about its own rows", async (_, filter) => {
    const first = await listContacts(db(), p.id, filter, undefined, PAGE);
    const middle = first[PAGE - 1]?.id ?? 0;
    const { result, cost } = await measureD1(env.DB, () =>
      listContacts(db(), p.id, filter, middle + CONTACTS / 2, PAGE),
    );
    expect(result).toHaveLength(PAGE + 1);
    expect(result[0]?.id).toBeGreaterThan(middle + CONTACTS / 2);
    // Each contact read once, with its tags and attributes: a few rows per contact, far from 3,000.
    expect(cost.rowsRead, JSON.stringify(cost)).toBeLessThan(10 * (PAGE + 1));
  });
});
