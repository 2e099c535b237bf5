import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { Chat, type FetchLike } from "../../src/client/index";
import { BASE, rejection, worker } from "./client.helpers";

const KEY = "wak_secret-key-that-must-never-show-000000000000";

/** Every way a client or an error gets turned into text by code that logs or reports it. */
function renderings(value: object): string[] {
  const own = Reflect.ownKeys(value).map(String);
  const texts = [String(value), JSON.stringify(value), own.join(","), JSON.stringify(Object.entries(value))];
  if (value instanceof Error) {
    texts.push(value.message, value.stack ?? "", String(value.cause ?? ""), JSON.stringify(value.cause ?? null));
  }
  return texts;
}

const expectNoKey = (value: object) => {
  for (const text of renderings(value)) expect(text).not.toContain(KEY);
};

let consoleSpies: MockInstance[];

beforeEach(() => {
  consoleSpies = (["log", "info", "warn", "error", "debug"] as const).map((level) => vi.spyOn(console, level));
});

afterEach(() => {
  // Nothing the client (or the Worker behind it) wrote to the console carries the key.
  for (const spy of consoleSpies) {
    for (const args of spy.mock.calls) expect(JSON.stringify(args.map(String))).not.toContain(KEY);
  }
  vi.restoreAllMocks();
});

describe("client security: the API key stays private", { timeout: 30_000 }, () => {
  it("is in no rendering of the client", () => {
    const chat = new Chat(KEY, { baseUrl: BASE, fetch: worker });
    expectNoKey(chat);
    expect(JSON.stringify(chat)).toBe(JSON.stringify({ baseUrl: BASE }));
    expect(`${chat}`).toBe(`Chat(${BASE})`);
  });

  it("is in no rendering of the Worker's 401", async () => {
    const error = await rejection(new Chat(KEY, { baseUrl: BASE, fetch: worker }).retrieveAudiences());
    expect(error.status).toBe(401);
    expectNoKey(error);
  });

  it("is redacted from an answer that echoes it back", async () => {
    const echo: FetchLike = async (_, init) =>
      new Response(`denied for ${new Headers(init.headers).get("authorization")}`, { status: 403 });
    const error = await rejection(new Chat(KEY, { baseUrl: BASE, fetch: echo }).retrieveAudiences());
    expect(error.message).toBe("HTTP 403: denied for [redacted]");
    expectNoKey(error);
  });

  it("is redacted from an envelope that echoes it back", async () => {
    const echo: FetchLike = async () =>
      Response.json(
        { error: { code: "unauthorized", message: `key ${KEY} is revoked` }, requestId: "r1" },
        { status: 401 },
      );
    const error = await rejection(new Chat(KEY, { baseUrl: BASE, fetch: echo }).retrieveAudiences());
    expect(error).toMatchObject({ code: "unauthorized", message: "key [redacted] is revoked" });
    expectNoKey(error);
  });

  it("is redacted from a network failure that names it", async () => {
    const leaky: FetchLike = async (_, init) => {
      throw new TypeError(`could not send ${JSON.stringify(init.headers)}`);
    };
    const error = await rejection(new Chat(KEY, { baseUrl: BASE, fetch: leaky }).retrieveAudiences());
    expect(error.code).toBe("network_error");
    expect(error.message).toContain("[redacted]");
    expect(error.cause).toBeUndefined();
    expectNoKey(error);
  });

  it("is in no timeout error", async () => {
    const hang: FetchLike = () => new Promise<Response>(() => {});
    const error = await rejection(new Chat(KEY, { baseUrl: BASE, fetch: hang, timeoutMs: 10 }).retrieveAudiences());
    expect(error.code).toBe("timeout");
    expectNoKey(error);
  });
});
