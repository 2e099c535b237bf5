import { beforeEach, describe, expect, it } from "vitest";
import { isForbiddenIPv4, parseIPv4, parseIPv6 } from "../../src/features/media/address";
import { ResultCache } from "../../src/features/media/cache";
import { checkMediaUrl, type MediaCheckResult } from "../../src/features/media/check";
import { countingFetch, jpegEverywhere, MEDIA, redirectTo } from "./media.helpers";

const PRIVATE = "the URL must point to a public address, not a private, loopback, link-local or reserved one";
const INTERNAL = "the URL must name a public host, not a local or internal one";
const SCHEME = "the URL must start with http:// or https://";
const CREDENTIALS = "the URL must not contain a user name or password";
const INVALID = "the URL is not a valid URL";
const TARGET_PRIVATE =
  "the URL's redirect target must point to a public address, not a private, loopback, link-local or reserved one";

// Each test gets a cache of its own, so none sees results another one cached.
let cache = new ResultCache<MediaCheckResult>();
beforeEach(() => {
  cache = new ResultCache();
});
const check: typeof checkMediaUrl = (url, kind, options) => checkMediaUrl(url, kind, { cache, ...options });

/** Checks `url` with a fetch that records requests; a refused URL must make none. */
async function refused(url: string) {
  const counter = countingFetch(jpegEverywhere);
  const result = await check(url, "IMAGE", { fetch: counter.fetch });
  expect(counter.calls, url).toEqual([]);
  return result;
}

describe("the runtime's URL parser canonicalizes the forms an attacker would use", () => {
  // The checker relies on this (src/features/media/address.ts): it only ever sees canonical hosts.
  it.each([
    ["http://2130706433/", "127.0.0.1"],
    ["http://0177.0.0.1/", "127.0.0.1"],
    ["http://0x7f.1/", "127.0.0.1"],
    ["http://0x7f000001/", "127.0.0.1"],
    ["http://0x7F.0.0.1/", "127.0.0.1"],
    ["http://127.1/", "127.0.0.1"],
    ["http://017700000001/", "127.0.0.1"],
    ["http://127.0.0.1./", "127.0.0.1"],
    ["http://%31%32%37.0.0.1/", "127.0.0.1"],
    ["http://127\u30020\u30020\u30021/", "127.0.0.1"],
    ["http://\uff11\uff12\uff17.0.0.1/", "127.0.0.1"],
    ["http://0/", "0.0.0.0"],
    ["http://0251.0376.0251.0376/", "169.254.169.254"],
    ["http://2852039166/", "169.254.169.254"],
    ["http://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]"],
    ["http://[0:0:0:0:0:ffff:7f00:0001]/", "[::ffff:7f00:1]"],
    ["http://[0:0:0:0:0:0:0:1]/", "[::1]"],
    ["http://[::127.0.0.1]/", "[::7f00:1]"],
    ["http://[64:ff9b::169.254.169.254]/", "[64:ff9b::a9fe:a9fe]"],
    ["http://[FD00:EC2::254]/", "[fd00:ec2::254]"],
    ["http://LOCALHOST/", "localhost"],
  ])("%s has host %s", (input, host) => {
    expect(new URL(input).hostname).toBe(host);
  });

  it.each([
    "http://1.2.3.4.5/",
    "http://256.0.0.1/",
    "http://0x100000000/",
    "http://[::1%25eth0]/",
    "http://[1::2::3]/",
  ])("rejects %s outright", (input) => {
    expect(() => new URL(input)).toThrow(TypeError);
  });
});

describe("checkMediaUrl refuses, without any request, every URL that is not a public http(s) host", () => {
  it.each([
    // private IPv4
    "http://10.0.0.5/a.jpg",
    "http://10.255.255.255/a.jpg",
    "http://172.16.0.1/a.jpg",
    "http://172.31.255.255/a.jpg",
    "http://192.168.1.10/a.jpg",
    // loopback, in every spelling the parser folds into 127.0.0.1
    "http://127.0.0.1/a.jpg",
    "http://127.255.255.254/a.jpg",
    "http://2130706433/a.jpg",
    "http://0177.0.0.1/a.jpg",
    "http://0x7f000001/a.jpg",
    "http://0x7f.1/a.jpg",
    "http://127.1/a.jpg",
    "https://127.0.0.1:8443/a.jpg",
    // unspecified, link-local and cloud metadata, CGNAT, broadcast, multicast, benchmarking, documentation, reserved
    "http://0.0.0.0/a.jpg",
    "http://0/a.jpg",
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/latest/meta-data/",
    "http://169.254.0.1/a.jpg",
    "http://100.64.0.1/a.jpg",
    "http://100.100.100.200/latest/meta-data/",
    "http://100.127.255.255/a.jpg",
    "http://255.255.255.255/a.jpg",
    "http://224.0.0.1/a.jpg",
    "http://239.255.255.250/a.jpg",
    "http://198.18.0.1/a.jpg",
    "http://198.19.255.255/a.jpg",
    "http://192.0.0.8/a.jpg",
    "http://192.0.2.1/a.jpg",
    "http://198.51.100.7/a.jpg",
    "http://203.0.113.9/a.jpg",
    "http://240.0.0.1/a.jpg",
    // IPv6
    "http://[::1]/a.jpg",
    "http://[::]/a.jpg",
    "http://[::ffff:127.0.0.1]/a.jpg",
    "http://[::ffff:7f00:1]/a.jpg",
    "http://[::ffff:10.0.0.1]/a.jpg",
    "http://[::ffff:169.254.169.254]/a.jpg",
    "http://[::ffff:0:127.0.0.1]/a.jpg",
    "http://[::127.0.0.1]/a.jpg",
    "http://[64:ff9b::127.0.0.1]/a.jpg",
    "http://[64:ff9b::a9fe:a9fe]/a.jpg",
    "http://[64:ff9b:1::1]/a.jpg",
    "http://[fc00::1]/a.jpg",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[fe80::1]/a.jpg",
    "http://[febf::1]/a.jpg",
    "http://[fec0::1]/a.jpg",
    "http://[ff02::1]/a.jpg",
    "http://[100::1]/a.jpg",
    "http://[2001:db8::1]/a.jpg",
    "http://[2001::1]/a.jpg",
    "http://[2002:7f00:1::]/a.jpg",
    "http://[2002:a9fe:a9fe::1]/a.jpg",
  ])("refuses the address %s", async (url) => {
    expect(await refused(url)).toEqual({ ok: false, reason: PRIVATE });
  });

  it.each([
    "http://localhost/a.jpg",
    "http://LOCALHOST:8080/a.jpg",
    "http://localhost./a.jpg",
    "http://api.localhost/a.jpg",
    "http://printer.local/a.jpg",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://metadata.google.internal./computeMetadata/v1/",
    "http://METADATA.GOOGLE.INTERNAL/computeMetadata/v1/",
    "http://db.internal/a.jpg",
    "http://nas.home.arpa/a.jpg",
    "http://metadata/computeMetadata/v1/",
    "http://intranet/a.jpg",
  ])("refuses the internal name %s", async (url) => {
    expect(await refused(url)).toEqual({ ok: false, reason: INTERNAL });
  });

  it.each([
    "file:///etc/passwd",
    "file://media.example.test/image.jpg",
    "ftp://media.example.test/image.jpg",
    "data:image/jpeg;base64,/9j/4AAQSkZJRg==",
    "javascript:alert(1)",
    "gopher://media.example.test/_GET",
    "ws://media.example.test/image.jpg",
    "blob:https://media.example.test/0b7a7b5e",
  ])("refuses the scheme of %s", async (url) => {
    expect(await refused(url)).toEqual({ ok: false, reason: SCHEME });
  });

  it.each([
    `https://user:secret@media.example.test/image.jpg`,
    `https://user@media.example.test/image.jpg`,
    `https://:secret@media.example.test/image.jpg`,
    `https://media.example.test@127.0.0.1/image.jpg`,
  ])("refuses credentials in %s", async (url) => {
    expect(await refused(url)).toEqual({ ok: false, reason: CREDENTIALS });
  });

  it.each([
    "",
    "not a url",
    "/image.jpg",
    "media.example.test/image.jpg",
    "http://",
    "http://a.b:99999/",
    "http://[::1/",
  ])("refuses %j as not a URL", async (url) => {
    expect(await refused(url)).toEqual({ ok: false, reason: INVALID });
  });
});

describe("checkMediaUrl lets public hosts through", () => {
  it.each([
    "http://93.184.215.14/a.jpg",
    "http://11.0.0.1/a.jpg",
    "http://172.15.255.255/a.jpg",
    "http://172.32.0.1/a.jpg",
    "http://100.63.255.255/a.jpg",
    "http://100.128.0.1/a.jpg",
    "http://169.253.255.255/a.jpg",
    "http://198.17.255.255/a.jpg",
    "http://198.20.0.1/a.jpg",
    "http://223.255.255.255/a.jpg",
    "http://[2606:4700:4700::1111]/a.jpg",
    "http://[::ffff:8.8.8.8]/a.jpg",
    "http://[64:ff9b::808:808]/a.jpg",
    "http://[2002:808:808::1]/a.jpg",
    "https://media.example.test:8443/a.jpg",
    "https://cdn.example.com./a.jpg",
    "https://xn--bcher-kva.example/a.jpg",
  ])("requests %s", async (url) => {
    const counter = countingFetch(jpegEverywhere);
    const result = await check(url, "IMAGE", { fetch: counter.fetch });
    const href = new URL(url).href;
    expect(result).toEqual({ ok: true, contentType: "image/jpeg", size: 1000, finalUrl: href });
    expect(counter.calls).toEqual([{ method: "HEAD", url: href, range: null }]);
  });
});

describe("checkMediaUrl re-checks every redirect", () => {
  it.each([
    ["http://127.0.0.1/a.jpg", TARGET_PRIVATE],
    ["http://169.254.169.254/latest/meta-data/", TARGET_PRIVATE],
    ["http://2130706433/a.jpg", TARGET_PRIVATE],
    ["http://[::ffff:7f00:1]/a.jpg", TARGET_PRIVATE],
    ["http://[fd00:ec2::254]/latest/meta-data/", TARGET_PRIVATE],
    ["http://10.1.2.3:8080/a.jpg", TARGET_PRIVATE],
    ["http://localhost/a.jpg", "the URL's redirect target must name a public host, not a local or internal one"],
    [
      "http://metadata.google.internal/computeMetadata/v1/",
      "the URL's redirect target must name a public host, not a local or internal one",
    ],
    ["file:///etc/passwd", "the URL's redirect target must start with http:// or https://"],
    ["ftp://media.example.test/a.jpg", "the URL's redirect target must start with http:// or https://"],
    ["https://u:p@media.example.test/image.jpg", "the URL's redirect target must not contain a user name or password"],
    ["http://[::1", "the URL's redirect target is not a valid URL"],
  ])("refuses a redirect to %s without requesting it", async (target, reason) => {
    const counter = countingFetch();
    const start = redirectTo(target);
    expect(await check(start, "IMAGE", { fetch: counter.fetch })).toEqual({ ok: false, reason });
    expect(counter.calls.map((c) => c.url)).toEqual([start]);
  });

  it("refuses a private address at the end of a chain of public redirects", async () => {
    const counter = countingFetch();
    const inner = redirectTo("http://169.254.169.254/latest/meta-data/iam/security-credentials/");
    const start = redirectTo(inner, 301);
    expect(await check(start, "IMAGE", { fetch: counter.fetch })).toEqual({
      ok: false,
      reason: TARGET_PRIVATE,
    });
    expect(counter.calls.map((c) => c.url)).toEqual([start, inner]);
  });

  it("refuses a redirect into a private address even after HEAD was refused", async () => {
    const calls: string[] = [];
    const headRefusedThenRedirect: typeof fetch = async (input, init) => {
      calls.push(`${init?.method} ${String(input)}`);
      if (init?.method === "HEAD") return new Response(null, { status: 405 });
      return new Response(null, { status: 302, headers: { location: "http://192.168.0.1/a.jpg" } });
    };
    expect(await check(`${MEDIA}/whatever.jpg`, "IMAGE", { fetch: headRefusedThenRedirect })).toEqual({
      ok: false,
      reason: TARGET_PRIVATE,
    });
    expect(calls).toEqual([`HEAD ${MEDIA}/whatever.jpg`, `GET ${MEDIA}/whatever.jpg`]);
  });
});

describe("address parsing", () => {
  it("reads dotted-decimal IPv4 only", () => {
    expect(parseIPv4("127.0.0.1")).toBe(0x7f000001);
    expect(parseIPv4("255.255.255.255")).toBe(0xffffffff);
    expect(parseIPv4("256.0.0.1")).toBeNull();
    expect(parseIPv4("1.2.3")).toBeNull();
    expect(parseIPv4("example.com")).toBeNull();
  });

  it("tells range edges apart", () => {
    expect(isForbiddenIPv4(parseIPv4("172.15.255.255") as number)).toBe(false);
    expect(isForbiddenIPv4(parseIPv4("172.16.0.0") as number)).toBe(true);
    expect(isForbiddenIPv4(parseIPv4("172.31.255.255") as number)).toBe(true);
    expect(isForbiddenIPv4(parseIPv4("172.32.0.0") as number)).toBe(false);
    expect(isForbiddenIPv4(parseIPv4("223.255.255.255") as number)).toBe(false);
    expect(isForbiddenIPv4(parseIPv4("224.0.0.0") as number)).toBe(true);
  });

  it("reads IPv6 in full, compressed and dotted-quad forms", () => {
    expect(parseIPv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("::")).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6("fd00:ec2::254")).toEqual([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254]);
    expect(parseIPv6("::ffff:127.0.0.1")).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIPv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIPv6("1:2:3:4:5:6:1.2.3.4")).toEqual([1, 2, 3, 4, 5, 6, 0x102, 0x304]);
    for (const bad of ["1:2:3", "1::2::3", "1:2:3:4:5:6:7:8:9", "::g", "1:2:3:4:5:6:7::8", "::1.2.3.256"]) {
      expect(parseIPv6(bad), bad).toBeNull();
    }
  });
});
