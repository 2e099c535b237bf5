import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { ResultCache } from "../../src/features/media/cache";
import {
  checkMediaUrl as checkWithCache,
  type MediaCheckOptions,
  type MediaKind,
} from "../../src/features/media/check";
import { ConfigError, type HostEntry, readConfig } from "../../src/platform/config";
import { SEND_PATH, setup } from "../api-campaigns/api-send.helpers";
import { CREATE } from "../broadcast-campaigns/broadcast.helpers";
import { newProject } from "../helpers";
import { countingFetch, jpegEverywhere, MEDIA, redirectTo } from "./media.helpers";

const PRIVATE = "the URL must point to a public address, not a private, loopback, link-local or reserved one";
const INTERNAL = "the URL must name a public host, not a local or internal one";
const TARGET_PRIVATE =
  "the URL's redirect target must point to a public address, not a private, loopback, link-local or reserved one";
const TARGET_INTERNAL = "the URL's redirect target must name a public host, not a local or internal one";

const SECRETS = { ADMIN_TOKEN: "test-admin-token-0123456789", ENCRYPTION_KEY: env.ENCRYPTION_KEY };

/** The parsed DEV_MEDIA_HOSTS of a Worker configured with `value`. */
const devHosts = (value?: string) =>
  readConfig({ ...SECRETS, ...(value === undefined ? {} : { DEV_MEDIA_HOSTS: value }) } as unknown as Env)
    .DEV_MEDIA_HOSTS;

const LOCAL = devHosts("localhost:8000,127.0.0.1:8000");

/** Checks `url` (by default with LOCAL) with a fetch that records requests and answers a JPEG everywhere. */
async function check(url: string, options: { devHosts?: HostEntry[] } = { devHosts: LOCAL }) {
  const counter = countingFetch(jpegEverywhere);
  const result = await checkMediaUrl(url, "IMAGE", { ...options, fetch: counter.fetch });
  return { result, urls: counter.calls.map((c) => `${c.method} ${c.url}`) };
}

// Each check gets a cache of its own, so none sees a result another one cached.
const checkMediaUrl = (url: string, kind: MediaKind, options: MediaCheckOptions) =>
  checkWithCache(url, kind, { cache: new ResultCache(), ...options });

const jpeg = (url: string) => ({ ok: true, contentType: "image/jpeg", size: 1000, finalUrl: url });

describe("DEV_MEDIA_HOSTS: parsing", () => {
  it("is empty when unset or blank", () => {
    expect(devHosts()).toEqual([]);
    expect(devHosts("")).toEqual([]);
    expect(devHosts(" , ")).toEqual([]);
  });

  it("reads host and host:port entries, in the URL parser's canonical spelling", () => {
    expect(devHosts(" LocalHost:8000 , 127.1:08000,[::1]:8443, devbox ")).toEqual([
      { hostname: "localhost", port: "8000" },
      { hostname: "127.0.0.1", port: "8000" },
      { hostname: "[::1]", port: "8443" },
      { hostname: "devbox", port: null },
    ]);
  });

  it.each(["http://localhost:8000", "localhost:0", "localhost:65536", "localhost:", "a b", "user@localhost", "[::1"])(
    "refuses the entry %j, naming the variable but not its value",
    (entry) => {
      const env = { ...SECRETS, DEV_MEDIA_HOSTS: `localhost:8000,${entry}` } as unknown as Env;
      expect(() => readConfig(env)).toThrow(ConfigError);
      expect(() => readConfig(env)).toThrow(
        new ConfigError("invalid Worker configuration: DEV_MEDIA_HOSTS: entry 2 is not a host or host:port"),
      );
    },
  );
});

describe("DEV_MEDIA_HOSTS: the media check", () => {
  it("unset, refuses local media URLs exactly as before, without a request", async () => {
    for (const options of [{}, { devHosts: devHosts() }]) {
      expect(await check("http://localhost:8000/x.jpg", options)).toEqual({
        result: { ok: false, reason: INTERNAL },
        urls: [],
      });
      expect(await check("http://127.0.0.1:8000/x.jpg", options)).toEqual({
        result: { ok: false, reason: PRIVATE },
        urls: [],
      });
    }
  });

  it.each([
    "http://localhost:8000/x.jpg",
    "https://localhost:8000/x.jpg",
    "http://LOCALHOST:8000/x.jpg",
    "http://127.0.0.1:8000/x.jpg",
    "http://127.1:8000/x.jpg",
  ])("requests the listed host in %s", async (url) => {
    const href = new URL(url).href;
    expect(await check(url)).toEqual({ result: jpeg(href), urls: [`HEAD ${href}`] });
  });

  it.each([
    ["http://127.0.0.1:9000/x.jpg", PRIVATE],
    ["http://127.0.0.1/x.jpg", PRIVATE],
    ["http://10.0.0.1/x.jpg", PRIVATE],
    ["http://10.0.0.1:8000/x.jpg", PRIVATE],
    ["http://[::1]:8000/x.jpg", PRIVATE],
    ["http://localhost/x.jpg", INTERNAL],
    ["http://localhost:8001/x.jpg", INTERNAL],
    ["http://api.localhost:8000/x.jpg", INTERNAL],
    ["http://user:pw@localhost:8000/x.jpg", "the URL must not contain a user name or password"],
    ["ftp://localhost:8000/x.jpg", "the URL must start with http:// or https://"],
  ])("still refuses %s, without a request", async (url, reason) => {
    expect(await check(url)).toEqual({ result: { ok: false, reason }, urls: [] });
  });

  it("matches a listed port against the scheme's default port", async () => {
    const hosts = devHosts("localhost:80");
    expect(await check("http://localhost/x.jpg", { devHosts: hosts })).toEqual({
      result: jpeg("http://localhost/x.jpg"),
      urls: ["HEAD http://localhost/x.jpg"],
    });
    expect((await check("https://localhost/x.jpg", { devHosts: hosts })).result).toEqual({
      ok: false,
      reason: INTERNAL,
    });
  });

  it("takes any port of a host listed without one", async () => {
    const hosts = devHosts("devbox");
    for (const url of ["http://devbox/x.jpg", "https://devbox:8443/x.jpg"]) {
      expect(await check(url, { devHosts: hosts })).toEqual({ result: jpeg(url), urls: [`HEAD ${url}`] });
    }
    expect((await check("http://localhost:8000/x.jpg", { devHosts: hosts })).result).toEqual({
      ok: false,
      reason: INTERNAL,
    });
  });

  it("refuses a redirect from a listed host to one that is not listed", async () => {
    const redirecting = (to: string) => {
      const calls: string[] = [];
      const fetcher: typeof fetch = async (input, init) => {
        calls.push(`${init?.method} ${String(input)}`);
        return new Response(null, { status: 302, headers: { location: to } });
      };
      return { calls, fetcher };
    };
    for (const [to, reason] of [
      ["http://127.0.0.1:9000/x.jpg", TARGET_PRIVATE],
      ["http://192.168.1.10/x.jpg", TARGET_PRIVATE],
      ["http://localhost:9000/x.jpg", TARGET_INTERNAL],
    ] as const) {
      const { calls, fetcher } = redirecting(to);
      const result = await checkMediaUrl("http://localhost:8000/x.jpg", "IMAGE", { fetch: fetcher, devHosts: LOCAL });
      expect(result, to).toEqual({ ok: false, reason });
      expect(calls).toEqual(["HEAD http://localhost:8000/x.jpg"]);
    }
  });

  it("refuses a redirect from a public host to a non-listed private one, and follows one to a listed host", async () => {
    const counter = countingFetch();
    const toPrivate = redirectTo("http://127.0.0.1:9000/x.jpg");
    expect(await checkMediaUrl(toPrivate, "IMAGE", { fetch: counter.fetch, devHosts: LOCAL })).toEqual({
      ok: false,
      reason: TARGET_PRIVATE,
    });
    expect(counter.calls.map((c) => c.url)).toEqual([toPrivate]);

    const calls: string[] = [];
    const fetcher: typeof fetch = async (input, init) => {
      calls.push(String(input));
      if (String(input).startsWith(MEDIA)) {
        return new Response(null, { status: 302, headers: { location: "http://localhost:8000/x.jpg" } });
      }
      return jpegEverywhere(input, init);
    };
    expect(await checkMediaUrl(`${MEDIA}/moved.jpg`, "IMAGE", { fetch: fetcher, devHosts: LOCAL })).toEqual(
      jpeg("http://localhost:8000/x.jpg"),
    );
    expect(calls).toEqual([`${MEDIA}/moved.jpg`, "http://localhost:8000/x.jpg"]);
  });
});

// A developer's .dev.vars (copied from .dev.vars.example by `npm run dev`) may set the var for
// every test; these tests decide themselves whether it is set.
const { DEV_MEDIA_HOSTS: _fromDevVars, ...bindings } = env;

/** A POST to a Worker configured with `vars` on top of the test bindings, DEV_MEDIA_HOSTS unset. */
async function postTo(vars: Record<string, string>, path: string, key: string, body: unknown) {
  const response = await createApp().fetch(
    new Request(`https://api.test${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    }),
    { ...bindings, ...vars },
    createExecutionContext(),
  );
  return { status: response.status, body: (await response.json()) as { error: unknown } };
}

const fieldError = (field: string, message: string) => ({
  code: "validation_failed",
  message: `${field}: ${message}`,
  fields: [{ field, in: "body", message }],
});

// Tests reach no real network: the outbound guard answers 502, which proves the request left.
const UNREACHABLE = "the media server failed (HTTP 502); try again later";

describe("DEV_MEDIA_HOSTS: reaches the routes that check media", () => {
  it("API-campaign send: refuses localhost without the var, and requests it with the var", async () => {
    const s = await setup({ header: { format: "IMAGE" } });
    const body = {
      campaignName: s.campaignName,
      destination: "+917428526285",
      userName: "Asha",
      templateParams: ["Asha", "#1"],
      media: { url: "http://localhost:8000/x.jpg" },
    };
    const without = await postTo({}, SEND_PATH, s.sender, body);
    expect(without.status).toBe(400);
    expect(without.body.error).toEqual(fieldError("media.url", INTERNAL));

    const listed = await postTo({ DEV_MEDIA_HOSTS: "localhost:8000" }, SEND_PATH, s.sender, body);
    expect(listed.status).toBe(400);
    expect(listed.body.error).toEqual(fieldError("media.url", UNREACHABLE));
  });

  it("broadcast campaign: refuses a localhost image without the var, and requests it with the var", async () => {
    const p = await newProject();
    const body = { title: "Local image", message: "Hello.", imgUrl: "https://localhost:8443/x.jpg" };
    const without = await postTo({}, CREATE, p.manager, body);
    expect(without.status).toBe(400);
    expect(without.body.error).toEqual(fieldError("imgUrl", INTERNAL));

    const listed = await postTo({ DEV_MEDIA_HOSTS: "localhost:8443" }, CREATE, p.manager, body);
    expect(listed.status).toBe(400);
    expect(listed.body.error).toEqual(fieldError("imgUrl", UNREACHABLE));
  });
});
