import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { type CallResult, call } from "../helpers";

/** What a number field's error says about a number that is not a phone number. */
export const INVALID_NUMBER =
  "is not a valid phone number (use +<country code><number>; without a country code it is read as Indian)";

/** Defines each name under `/v1/tags` or `/v1/attributes`, asserting every one was created. */
export async function define(kind: "tags" | "attributes", key: string, ...names: string[]) {
  for (const name of names) {
    const result = await call("POST", `/v1/${kind}`, { key, body: { name } });
    expect(result.status, JSON.stringify(result.body)).toBe(201);
  }
}

export const defineTags = (key: string, ...names: string[]) => define("tags", key, ...names);
export const defineAttributes = (key: string, ...names: string[]) => define("attributes", key, ...names);

export const upsert = (key: string, body: unknown) => call("POST", "/v1/contacts", { key, body });

/** Upserts and asserts the status, returning the contact. */
export async function upsertOk(key: string, body: Record<string, unknown>, status: 200 | 201 = 201) {
  const result = await upsert(key, body);
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  return result.body.contact;
}

/** Follows `nextCursor` from `path` to the last page, returning every page. */
export async function walkPages(path: string, key: string, limit: number) {
  const pages: CallResult[] = [];
  let cursor: string | null = null;
  const separator = path.includes("?") ? "&" : "?";
  do {
    const query: string = `limit=${limit}${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`;
    const result = await call("GET", `${path}${separator}${query}`, { key });
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body.data.length).toBeLessThanOrEqual(limit);
    pages.push(result);
    cursor = result.body.nextCursor;
    // A loop that never ends would be a bug; guard the test against it.
    expect(pages.length).toBeLessThan(100);
  } while (cursor !== null);
  return pages;
}

/** The `data` of every page, concatenated. */
export async function listAll(path: string, key: string, limit = 2) {
  const pages = await walkPages(path, key, limit);
  return pages.flatMap((p) => p.body.data);
}

/** Rows straight from D1, bypassing the API. */
export async function rows<T = Record<string, unknown>>(query: string, ...binds: unknown[]): Promise<T[]> {
  const result = await env.DB.prepare(query)
    .bind(...binds)
    .all<T>();
  return result.results;
}

/** Every table row that belongs to a project's contacts, for "nothing was written" checks. */
export async function contactFootprint(projectId: string) {
  const [contacts, tags, attributes] = await Promise.all([
    rows("SELECT number, name, source, opted_out FROM contacts WHERE project_id = ? ORDER BY id", projectId),
    rows(
      "SELECT c.number, t.name FROM contact_tags ct JOIN contacts c ON c.id = ct.contact_id JOIN tags t ON t.id = ct.tag_id WHERE c.project_id = ? ORDER BY c.id, t.name",
      projectId,
    ),
    rows(
      "SELECT c.number, a.name, ca.value FROM contact_attributes ca JOIN contacts c ON c.id = ca.contact_id JOIN attributes a ON a.id = ca.attribute_id WHERE c.project_id = ? ORDER BY c.id, a.name",
      projectId,
    ),
  ]);
  return { contacts, tags, attributes };
}
