import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { D1_MAX_BOUND_PARAMETERS, D1_MAX_STATEMENT_BYTES, D1_MAX_VALUE_BYTES } from "../d1-limits";
import { api, newProject } from "../helpers";

const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ");

describe("D1's limits hold in tests as in production", () => {
  it("refuses a statement binding more than 100 parameters, and takes 100", async () => {
    const values = Array.from({ length: D1_MAX_BOUND_PARAMETERS }, (_, i) => i);
    const ok = await env.DB.prepare(`SELECT ${placeholders(100)}`)
      .bind(...values)
      .raw();
    expect(ok).toEqual([values]);
    expect(() => env.DB.prepare(`SELECT ${placeholders(101)}`).bind(...values, 100)).toThrow(
      "D1_ERROR: too many SQL variables: 101 bound; D1 allows 100 per statement",
    );
  });

  it("refuses a statement longer than 100,000 bytes, counted in bytes", async () => {
    // 'é' is two bytes: 50,000 of them are 50,000 characters and 100,000 bytes of literal.
    const long = `SELECT '${"é".repeat(50_000)}'`;
    expect(() => env.DB.prepare(long)).toThrow(
      `D1_ERROR: statement too long: ${new TextEncoder().encode(long).length} bytes of SQL; D1 allows ${D1_MAX_STATEMENT_BYTES} per statement`,
    );
    const fits = `SELECT '${"a".repeat(D1_MAX_STATEMENT_BYTES - 10)}'`;
    expect(await env.DB.prepare(fits).first()).not.toBeNull();
  });

  it("refuses a bound value over 2,000,000 bytes, counted in bytes", async () => {
    // 700,000 '€' are 700,000 characters and 2,100,000 bytes.
    expect(() => env.DB.prepare("SELECT ?").bind("€".repeat(700_000))).toThrow(
      `D1_ERROR: string or blob too big: 2100000 bytes in one value; D1 allows ${D1_MAX_VALUE_BYTES}`,
    );
    expect(await env.DB.prepare("SELECT length(?) AS n").bind("a".repeat(D1_MAX_VALUE_BYTES)).first()).toEqual({
      n: D1_MAX_VALUE_BYTES,
    });
  });

  it("applies to the Worker's own statements, not only the test's", async () => {
    const p = await newProject();
    // The most tags a contact upsert takes (50): the Worker resolves their names under the limit.
    const tags = Array.from({ length: 50 }, (_, i) => `t${i}`);
    for (const name of tags) {
      const created = await api("POST", "/v1/tags", { key: p.manager, body: { name } });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    // Every statement the Worker prepares is of the guarded class: a spy on it sees the request's.
    const bind = vi.spyOn(Object.getPrototypeOf(env.DB.prepare("SELECT 1")), "bind");
    try {
      const contact = await api("POST", "/v1/contacts", {
        key: p.manager,
        body: { number: "+917428526285", tags },
      });
      expect(contact.status, JSON.stringify(contact.body)).toBe(201);
      expect(contact.body.contact.tags).toHaveLength(50);
      expect(bind).toHaveBeenCalled();
      expect(Math.max(...bind.mock.calls.map((args) => args.length))).toBeLessThanOrEqual(D1_MAX_BOUND_PARAMETERS);
    } finally {
      bind.mockRestore();
    }
  });
});
