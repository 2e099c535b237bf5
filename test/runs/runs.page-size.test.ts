import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/platform/config";

// The fan-out's page size is configuration with a production default, not a switch tests flip.

describe("configuration: FANOUT_PAGE_SIZE", () => {
  const base = { ADMIN_TOKEN: "test-admin-token-0123456789", ENCRYPTION_KEY: env.ENCRYPTION_KEY };
  const read = (value?: string) =>
    readConfig({ ...base, ...(value === undefined ? {} : { FANOUT_PAGE_SIZE: value }) } as unknown as Env);

  it("is 500 when unset", () => {
    expect(read().FANOUT_PAGE_SIZE).toBe(500);
  });

  it("is read as a whole number from 1 to 500", () => {
    expect(read("1").FANOUT_PAGE_SIZE).toBe(1);
    expect(read("500").FANOUT_PAGE_SIZE).toBe(500);
  });

  it.each(["0", "501", "2.5", "many"])("refuses %j, naming the variable", (value) => {
    expect(() => read(value)).toThrow(/^invalid Worker configuration: FANOUT_PAGE_SIZE: /);
  });

  it("is two in the tests, so small audiences span several pages", () => {
    expect(readConfig(env).FANOUT_PAGE_SIZE).toBe(2);
  });
});
