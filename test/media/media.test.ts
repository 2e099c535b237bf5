import { beforeEach, describe, expect, it } from "vitest";
import {
  MEDIA_CHECK_CACHE_MAX_ENTRIES,
  MEDIA_CHECK_FAILURE_TTL_MS,
  MEDIA_CHECK_SUCCESS_TTL_MS,
  ResultCache,
} from "../../src/features/media/cache";
import { checkMediaUrl, type MediaCheckResult } from "../../src/features/media/check";
import { CDN, countingFetch, jpegEverywhere, MEDIA, redirectTo } from "./media.helpers";

const MiB = 1024 * 1024;
const NEEDS_IMAGE = "an IMAGE header needs a JPEG or PNG image (image/jpeg, image/png)";
const NEEDS_VIDEO = "a VIDEO header needs an MP4 or 3GPP video (video/mp4, video/3gpp)";
const NEEDS_DOCUMENT = "a DOCUMENT header needs a PDF, plain-text or Microsoft Office (Word, Excel, PowerPoint) file";

// Each test gets a cache of its own, so none sees results another one cached.
let cache = new ResultCache<MediaCheckResult>();
beforeEach(() => {
  cache = new ResultCache();
});
const check: typeof checkMediaUrl = (url, kind, options) => checkMediaUrl(url, kind, { cache, ...options });

describe("checkMediaUrl: accepted media", () => {
  it.each([
    ["IMAGE", "/image.jpg", "image/jpeg", 1000],
    ["IMAGE", "/image.png", "image/png", 2048],
    ["VIDEO", "/video.mp4", "video/mp4", 4096],
    ["VIDEO", "/clip.3gp", "video/3gpp", 4096],
    ["DOCUMENT", "/invoice.pdf", "application/pdf", 3000],
    ["DOCUMENT", "/report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 5000],
    ["DOCUMENT", "/notes.txt", "text/plain", 120],
  ] as const)("accepts a %s at %s (%s, %d bytes) with one HEAD request", async (kind, path, type, size) => {
    const counter = countingFetch();
    const result = await check(`${MEDIA}${path}`, kind, { fetch: counter.fetch });
    expect(result).toEqual({ ok: true, contentType: type, size, finalUrl: `${MEDIA}${path}` });
    expect(counter.calls).toEqual([{ method: "HEAD", url: `${MEDIA}${path}`, range: null }]);
  });

  it("accepts a file whose size the server does not declare, with size null", async () => {
    const url = `${MEDIA}/file?type=image/jpeg`;
    expect(await check(url, "IMAGE")).toEqual({
      ok: true,
      contentType: "image/jpeg",
      size: null,
      finalUrl: url,
    });
  });

  it("reads the type's essence: case and parameters do not matter", async () => {
    const url = `${MEDIA}/file?type=${encodeURIComponent("Image/PNG; q=0.9")}&size=10`;
    expect(await check(url, "IMAGE")).toEqual({ ok: true, contentType: "image/png", size: 10, finalUrl: url });
  });

  it.each([
    ["IMAGE", "image/jpeg", 5 * MiB],
    ["VIDEO", "video/mp4", 16 * MiB],
    ["DOCUMENT", "application/pdf", 100 * MiB],
  ] as const)("accepts a %s of exactly the limit (%s, %d bytes)", async (kind, type, size) => {
    const url = `${MEDIA}/file?type=${type}&size=${size}`;
    expect(await check(url, kind)).toEqual({ ok: true, contentType: type, size, finalUrl: url });
  });
});

describe("checkMediaUrl: refused media", () => {
  it.each([
    ["IMAGE", "/page.html", `the file is text/html, but ${NEEDS_IMAGE}`],
    ["IMAGE", "/video.mp4", `the file is video/mp4, but ${NEEDS_IMAGE}`],
    ["IMAGE", "/file?type=image/webp&size=10", `the file is image/webp, but ${NEEDS_IMAGE}`],
    ["IMAGE", "/file?type=image/gif&size=10", `the file is image/gif, but ${NEEDS_IMAGE}`],
    ["VIDEO", "/image.jpg", `the file is image/jpeg, but ${NEEDS_VIDEO}`],
    ["VIDEO", "/file?type=video/quicktime&size=10", `the file is video/quicktime, but ${NEEDS_VIDEO}`],
    ["DOCUMENT", "/page.html", `the file is text/html, but ${NEEDS_DOCUMENT}`],
    [
      "DOCUMENT",
      "/file?type=application/octet-stream&size=10",
      `the file is application/octet-stream, but ${NEEDS_DOCUMENT}`,
    ],
    [
      "IMAGE",
      "/file?size=10",
      `the media server did not say what type of file this is (no Content-Type); ${NEEDS_IMAGE}`,
    ],
  ] as const)("refuses a %s at %s by its type", async (kind, path, reason) => {
    expect(await check(`${MEDIA}${path}`, kind)).toEqual({ ok: false, reason });
  });

  it.each([
    ["VIDEO", "/big.mp4", "the file is 20.0 MB, over WhatsApp's 16 MB limit for a VIDEO header"],
    ["IMAGE", "/big.jpg", "the file is 6.0 MB, over WhatsApp's 5 MB limit for an IMAGE header"],
    [
      "IMAGE",
      `/file?type=image/png&size=${5 * MiB + 1}`,
      "the file is 5.1 MB, over WhatsApp's 5 MB limit for an IMAGE header",
    ],
    [
      "DOCUMENT",
      `/file?type=application/pdf&size=${100 * MiB + 1}`,
      "the file is 100.1 MB, over WhatsApp's 100 MB limit for a DOCUMENT header",
    ],
    ["IMAGE", "/empty.jpg", "the file is empty"],
  ] as const)("refuses a %s at %s by its declared size", async (kind, path, reason) => {
    expect(await check(`${MEDIA}${path}`, kind)).toEqual({ ok: false, reason });
  });

  it.each([
    ["/404", "the media server has no file at this URL (HTTP 404)"],
    ["/status/410", "the media server has no file at this URL (HTTP 410)"],
    ["/status/401", "the media server refused access (HTTP 401); the file must be downloadable without credentials"],
    ["/status/500", "the media server failed (HTTP 500); try again later"],
    ["/status/300", "the media server answered HTTP 300 instead of the file"],
    ["/status/304", "the media server answered HTTP 304 instead of the file"],
  ])("refuses %s: %s", async (path, reason) => {
    const counter = countingFetch();
    expect(await check(`${MEDIA}${path}`, "IMAGE", { fetch: counter.fetch })).toEqual({ ok: false, reason });
    expect(counter.calls.map((c) => c.method)).toEqual(["HEAD"]);
  });

  it("gives up on a server that does not answer in time", async () => {
    expect(await check(`${MEDIA}/slow`, "IMAGE", { timeoutMs: 20 })).toEqual({
      ok: false,
      reason: "the media server did not answer within 20 ms",
    });
  });

  it("says when the server cannot be reached at all", async () => {
    const broken: typeof fetch = async () => {
      throw new TypeError("Network connection lost.");
    };
    expect(await check(`${MEDIA}/image.jpg`, "IMAGE", { fetch: broken })).toEqual({
      ok: false,
      reason: "the media server could not be reached",
    });
  });

  it("never reaches the real network in tests: an unknown host gets the outbound guard's 502", async () => {
    const response = await fetch("https://example.com/image.jpg");
    expect(response.status).toBe(502);
    expect(response.headers.get("x-outbound-guard")).toBe("unknown-host");
    expect(await response.text()).toBe("tests reach no real network: no stand-in answers example.com");
    expect(await check("https://example.com/image.jpg", "IMAGE")).toEqual({
      ok: false,
      reason: "the media server failed (HTTP 502); try again later",
    });
  });
});

describe("checkMediaUrl: servers that refuse HEAD", () => {
  it.each([
    ["/no-head", "405"],
    ["/head-403", "403"],
    ["/file?type=image/jpeg&size=1000&head=501", "501"],
  ])("retries %s (HEAD answered %s) as a GET of one byte, and reads the size from Content-Range", async (path) => {
    const counter = countingFetch();
    const url = `${MEDIA}${path}`;
    expect(await check(url, "IMAGE", { fetch: counter.fetch })).toEqual({
      ok: true,
      contentType: "image/jpeg",
      size: 1000,
      finalUrl: url,
    });
    expect(counter.calls).toEqual([
      { method: "HEAD", url, range: null },
      { method: "GET", url, range: "bytes=0-0" },
    ]);
  });

  it("reads Content-Length when the server ignores the range and sends the whole file", async () => {
    const url = `${MEDIA}/file?type=image/png&size=300&head=405&range=ignore`;
    expect(await check(url, "IMAGE")).toEqual({ ok: true, contentType: "image/png", size: 300, finalUrl: url });
  });

  it("accepts an unknown total in Content-Range (bytes 0-0/*) as size null", async () => {
    const url = `${MEDIA}/file?type=video/mp4&head=405`;
    expect(await check(url, "VIDEO")).toEqual({
      ok: true,
      contentType: "video/mp4",
      size: null,
      finalUrl: url,
    });
  });

  it("refuses a file too large by its Content-Range total", async () => {
    expect(await check(`${MEDIA}/file?type=video/mp4&size=${20 * MiB}&head=405`, "VIDEO")).toEqual({
      ok: false,
      reason: "the file is 20.0 MB, over WhatsApp's 16 MB limit for a VIDEO header",
    });
  });

  it("reports the GET's status when the GET is refused too", async () => {
    const counter = countingFetch();
    expect(await check(`${MEDIA}/status/403`, "IMAGE", { fetch: counter.fetch })).toEqual({
      ok: false,
      reason: "the media server refused access (HTTP 403); the file must be downloadable without credentials",
    });
    expect(counter.calls.map((c) => [c.method, c.range])).toEqual([
      ["HEAD", null],
      ["GET", "bytes=0-0"],
    ]);
  });
});

describe("checkMediaUrl: redirects", () => {
  it.each([301, 302, 303, 307, 308])("follows a %d to the file and reports where it ended", async (status) => {
    const counter = countingFetch();
    const start = redirectTo(`${CDN}/video.mp4`, status);
    expect(await check(start, "VIDEO", { fetch: counter.fetch })).toEqual({
      ok: true,
      contentType: "video/mp4",
      size: 4096,
      finalUrl: `${CDN}/video.mp4`,
    });
    expect(counter.calls.map((c) => c.url)).toEqual([start, `${CDN}/video.mp4`]);
  });

  it("resolves a relative Location against the URL that sent it", async () => {
    expect(await check(redirectTo("/image.png"), "IMAGE")).toEqual({
      ok: true,
      contentType: "image/png",
      size: 2048,
      finalUrl: `${MEDIA}/image.png`,
    });
  });

  it("follows a chain of exactly 3 redirects", async () => {
    const counter = countingFetch();
    expect(await check(`${MEDIA}/chain/3`, "IMAGE", { fetch: counter.fetch })).toEqual({
      ok: true,
      contentType: "image/jpeg",
      size: 1000,
      finalUrl: `${MEDIA}/chain/0`,
    });
    expect(counter.calls.map((c) => new URL(c.url).pathname)).toEqual(["/chain/3", "/chain/2", "/chain/1", "/chain/0"]);
  });

  it("refuses a 4th redirect without following it", async () => {
    const counter = countingFetch();
    expect(await check(`${MEDIA}/chain/4`, "IMAGE", { fetch: counter.fetch })).toEqual({
      ok: false,
      reason: "the URL redirects more than 3 times",
    });
    expect(counter.calls.map((c) => new URL(c.url).pathname)).toEqual(["/chain/4", "/chain/3", "/chain/2", "/chain/1"]);
  });

  it("refuses a redirect without a Location", async () => {
    expect(await check(`${MEDIA}/redirect-bare`, "IMAGE")).toEqual({
      ok: false,
      reason: "the media server answered a redirect (HTTP 302) without a Location",
    });
  });

  it("checks the type and size of the file at the end of the chain", async () => {
    expect(await check(redirectTo(`${CDN}/page.html`), "IMAGE")).toEqual({
      ok: false,
      reason: `the file is text/html, but ${NEEDS_IMAGE}`,
    });
  });
});

describe("checkMediaUrl: cache", () => {
  it("answers a second check of the same URL and kind without a request", async () => {
    const counter = countingFetch();
    const first = await check(`${MEDIA}/image.jpg`, "IMAGE", { fetch: counter.fetch });
    const second = await check(`${MEDIA}/image.jpg`, "IMAGE", { fetch: counter.fetch });
    expect(second).toEqual(first);
    expect(first.ok).toBe(true);
    expect(counter.calls).toHaveLength(1);
  });

  it("keys on the parsed URL: spellings the parser makes equal share an entry", async () => {
    const counter = countingFetch();
    await check("https://MEDIA.example.test:443/image.jpg", "IMAGE", { fetch: counter.fetch });
    const again = await check(`${MEDIA}/image.jpg`, "IMAGE", { fetch: counter.fetch });
    expect(again).toEqual({ ok: true, contentType: "image/jpeg", size: 1000, finalUrl: `${MEDIA}/image.jpg` });
    expect(counter.calls).toHaveLength(1);
  });

  it("keys on the kind too: the same URL checked for another header kind is requested again", async () => {
    const counter = countingFetch();
    expect((await check(`${MEDIA}/image.jpg`, "IMAGE", { fetch: counter.fetch })).ok).toBe(true);
    expect(await check(`${MEDIA}/image.jpg`, "DOCUMENT", { fetch: counter.fetch })).toEqual({
      ok: false,
      reason: `the file is image/jpeg, but ${NEEDS_DOCUMENT}`,
    });
    expect(counter.calls).toHaveLength(2);
  });

  it("caches failures too, redirect refusals and timeouts included", async () => {
    const counter = countingFetch();
    for (const url of [`${MEDIA}/404`, redirectTo("http://127.0.0.1/"), `${MEDIA}/slow`]) {
      const first = await check(url, "IMAGE", { fetch: counter.fetch, timeoutMs: 20 });
      const second = await check(url, "IMAGE", { fetch: counter.fetch, timeoutMs: 20 });
      expect(first.ok).toBe(false);
      expect(second).toEqual(first);
    }
    expect(counter.calls.map((c) => new URL(c.url).pathname)).toEqual(["/404", "/redirect", "/slow"]);
  });

  it("keeps a success for 10 minutes", async () => {
    const counter = countingFetch();
    let clock = 1_000_000;
    const options = { fetch: counter.fetch, now: () => clock };
    await check(`${MEDIA}/image.jpg`, "IMAGE", options);
    clock += MEDIA_CHECK_SUCCESS_TTL_MS - 1;
    await check(`${MEDIA}/image.jpg`, "IMAGE", options);
    expect(counter.calls).toHaveLength(1);
    clock += 1;
    await check(`${MEDIA}/image.jpg`, "IMAGE", options);
    expect(counter.calls).toHaveLength(2);
    expect(MEDIA_CHECK_SUCCESS_TTL_MS).toBe(600_000);
  });

  it("keeps a failure for 1 minute", async () => {
    const counter = countingFetch();
    let clock = 1_000_000;
    const options = { fetch: counter.fetch, now: () => clock };
    await check(`${MEDIA}/404`, "IMAGE", options);
    clock += MEDIA_CHECK_FAILURE_TTL_MS - 1;
    await check(`${MEDIA}/404`, "IMAGE", options);
    expect(counter.calls).toHaveLength(1);
    clock += 1;
    await check(`${MEDIA}/404`, "IMAGE", options);
    expect(counter.calls).toHaveLength(2);
    expect(MEDIA_CHECK_FAILURE_TTL_MS).toBe(60_000);
  });

  it("shares the isolate's cache between checks given no cache of their own, as requests are", async () => {
    const counter = countingFetch(jpegEverywhere);
    const url = `https://shared-${crypto.randomUUID()}.example.org/a.jpg`;
    const first = await checkMediaUrl(url, "IMAGE", { fetch: counter.fetch });
    expect(await checkMediaUrl(url, "IMAGE", { fetch: counter.fetch })).toEqual(first);
    expect(first).toEqual({ ok: true, contentType: "image/jpeg", size: 1000, finalUrl: url });
    expect(counter.calls).toHaveLength(1);
    expect(cache.size).toBe(0);
  });

  it("does not cache URLs refused before any request", async () => {
    await check("http://127.0.0.1/a.jpg", "IMAGE");
    await check("ftp://media.example.test/a.jpg", "IMAGE");
    expect(cache.size).toBe(0);
  });

  it(`holds at most ${MEDIA_CHECK_CACHE_MAX_ENTRIES} entries, dropping the oldest first`, async () => {
    const counter = countingFetch(jpegEverywhere);
    const url = (i: number) => `https://img${i}.example.org/a.jpg`;
    for (let i = 0; i <= MEDIA_CHECK_CACHE_MAX_ENTRIES; i++) await check(url(i), "IMAGE", counter);
    expect(cache.size).toBe(MEDIA_CHECK_CACHE_MAX_ENTRIES);
    expect(counter.calls).toHaveLength(MEDIA_CHECK_CACHE_MAX_ENTRIES + 1);

    await check(url(MEDIA_CHECK_CACHE_MAX_ENTRIES), "IMAGE", counter); // newest: still cached
    expect(counter.calls).toHaveLength(MEDIA_CHECK_CACHE_MAX_ENTRIES + 1);
    await check(url(0), "IMAGE", counter); // oldest: dropped, so requested again
    expect(counter.calls).toHaveLength(MEDIA_CHECK_CACHE_MAX_ENTRIES + 2);
    expect(counter.calls.at(-1)?.url).toBe(url(0));
  });

  it("drops expired entries before live ones when full", async () => {
    const goneOrJpeg: typeof fetch = async (input, init) =>
      String(input).includes("gone") ? new Response(null, { status: 404 }) : jpegEverywhere(input, init);
    const counter = countingFetch(goneOrJpeg);
    let clock = 0;
    const options = { fetch: counter.fetch, now: () => clock };
    // The oldest entry is a success (kept 10 minutes); the next a failure (kept 1 minute).
    await check("https://keep.example.org/a.jpg", "IMAGE", options);
    expect((await check("https://gone.example.org/a.jpg", "IMAGE", options)).ok).toBe(false);
    for (let i = 2; i < MEDIA_CHECK_CACHE_MAX_ENTRIES; i++) {
      await check(`https://img${i}.example.org/a.jpg`, "IMAGE", options);
    }
    expect(cache.size).toBe(MEDIA_CHECK_CACHE_MAX_ENTRIES);

    clock = MEDIA_CHECK_FAILURE_TTL_MS; // the failure has expired, every success is live
    await check("https://new.example.org/a.jpg", "IMAGE", options);
    expect(cache.size).toBe(MEDIA_CHECK_CACHE_MAX_ENTRIES);
    const before = counter.calls.length;
    await check("https://keep.example.org/a.jpg", "IMAGE", options); // the oldest survived
    expect(counter.calls).toHaveLength(before);
  });
});
