import { describe, expect, it } from "vitest";
import { downloadMedia } from "../../src/features/media/download";
import { connectedProject } from "../delivery/pipeline.helpers";
import { call, expectError, MISSING_KEY, newProject } from "../helpers";
import { injectError, uploadedMedia } from "../standin/standin.helpers";
import { addedImage, jpeg, mediaRow, r2Keys, uploadForm } from "./library.helpers";

const MiB = 1024 * 1024;

describe("POST /v1/media/from/file", () => {
  it("keeps a multipart file in R2, uploads it to WhatsApp once and answers its id and expiry", async () => {
    const { p, account } = await connectedProject();
    const added = await uploadForm(p.manager, new Blob([jpeg(1500)], { type: "image/jpeg" }), "summer.jpg");
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({
      id: expect.stringMatching(/^med_[0-9a-f]{24}$/),
      filename: "summer.jpg",
      contentType: "image/jpeg",
      kind: "IMAGE",
      bytes: 1500,
      sourceUrl: null,
    });
    const uploads = await uploadedMedia(account);
    expect(uploads).toEqual([
      {
        id: added.body.whatsapp.mediaId,
        type: "image/jpeg",
        bytes: 1500,
        filename: "summer.jpg",
        uploadedAt: expect.any(Number),
      },
    ]);
    const { uploadedAt, expiresAt } = added.body.whatsapp;
    expect(Date.parse(expiresAt) - Date.parse(uploadedAt)).toBe(30 * 24 * 60 * 60 * 1000);
    expect(await r2Keys(p.id)).toEqual([`media/${p.id}/${added.body.id}`]);

    const read = await call("GET", `/v1/media/${added.body.id}`, { key: p.sender });
    expect(read.status).toBe(200);
    expect(read.body).toEqual(added.body);
  });

  it("takes the raw file with its own Content-Type and ?filename=, on the sandbox too", async () => {
    const p = await newProject();
    const pdf = new TextEncoder().encode("%PDF-1.4 a small invoice");
    const added = await call("POST", "/v1/media/from/file?filename=invoice.pdf", {
      key: p.manager,
      raw: pdf,
      headers: { "content-type": "application/pdf" },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({ filename: "invoice.pdf", kind: "DOCUMENT", bytes: pdf.byteLength });
    expect(added.body.whatsapp.mediaId).toMatch(/^sandbox-media-/);
  });

  it("refuses what WhatsApp would not take, naming the field, and keeps nothing", async () => {
    const p = await newProject();
    const html = await uploadForm(p.manager, new Blob(["<html>"], { type: "text/html" }), "page.html");
    expectError(html, 400, "validation_failed", ["file"]);
    expect(html.body.error.fields[0].message).toMatch(/is text\/html; WhatsApp takes a JPEG or PNG image/);

    const empty = await uploadForm(p.manager, new Blob([], { type: "image/png" }), "empty.png");
    expectError(empty, 400, "validation_failed", ["file"]);

    const bigImage = await uploadForm(p.manager, new Blob([jpeg(5 * MiB + 1)], { type: "image/jpeg" }), "big.jpg");
    expectError(bigImage, 400, "validation_failed", ["file"]);
    expect(bigImage.body.error.fields[0].message).toContain("5 MB limit for an IMAGE header");

    const tooBig = await call("POST", "/v1/media/from/file?filename=a.pdf", {
      key: p.manager,
      raw: new Uint8Array(16 * MiB + 1),
      headers: { "content-type": "application/pdf" },
    });
    expectError(tooBig, 413, "payload_too_large");

    const noPart = new FormData();
    noPart.set("filename", "x.jpg");
    expectError(await call("POST", "/v1/media/from/file", { key: p.manager, raw: noPart }), 400, "validation_failed", [
      "file",
    ]);

    const untyped = await call("POST", "/v1/media/from/file", { key: p.manager, raw: jpeg() });
    expect(untyped.status).toBe(415);

    const listed = await call("GET", "/v1/media", { key: p.manager });
    expect(listed.body.data).toEqual([]);
    expect(await r2Keys(p.id)).toEqual([]);
  });

  it("keeps nothing when WhatsApp refuses the upload, and says why", async () => {
    const { p, account } = await connectedProject();
    await injectError(account, { code: 131053, mode: "next", endpoint: "media" });
    const refused = await uploadForm(p.manager, new Blob([jpeg()], { type: "image/jpeg" }), "a.jpg");
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toContain("131053");
    expect((await call("GET", "/v1/media", { key: p.manager })).body.data).toEqual([]);
    expect(await r2Keys(p.id)).toEqual([]);
  });

  it("is for managers only, and needs a key", async () => {
    const p = await newProject();
    const bySender = await uploadForm(p.sender, new Blob([jpeg()], { type: "image/jpeg" }), "a.jpg");
    expectError(bySender, 403, "forbidden");
    const noKey = await call("POST", "/v1/media/from/file", { raw: jpeg(), headers: { "content-type": "image/jpeg" } });
    expect(noKey.status).toBe(401);
    expect(noKey.body).toEqual(MISSING_KEY);
  });
});

describe("POST /v1/media (from a URL)", () => {
  it("fetches the file once, keeps it with where it came from, and uploads it", async () => {
    const { p, account } = await connectedProject();
    const added = await call("POST", "/v1/media", {
      key: p.manager,
      body: { url: "https://media.example.test/video.mp4" },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({
      filename: "video.mp4",
      contentType: "video/mp4",
      kind: "VIDEO",
      bytes: 4096,
      sourceUrl: "https://media.example.test/video.mp4",
    });
    expect((await uploadedMedia(account)).map((u) => [u.type, u.bytes])).toEqual([["video/mp4", 4096]]);
  });

  it("follows redirects and takes a filename", async () => {
    const p = await newProject();
    const added = await call("POST", "/v1/media", {
      key: p.manager,
      body: { url: "https://media.example.test/chain/2", filename: "brochure.jpg" },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({ filename: "brochure.jpg", contentType: "image/jpeg", bytes: 1000 });
  });

  it("refuses URLs it may not or cannot fetch, naming url", async () => {
    const p = await newProject();
    for (const [url, reason] of [
      ["http://127.0.0.1/a.jpg", /public address/],
      ["https://media.example.test/404", /no file at this URL/],
      ["https://media.example.test/page.html", /text\/html/],
      ["https://media.example.test/empty.jpg", /the file is empty/],
      ["ftp://media.example.test/a.jpg", /http:\/\/ or https:\/\//],
    ] as const) {
      const refused = await call("POST", "/v1/media", { key: p.manager, body: { url } });
      expectError(refused, 400, "validation_failed", ["url"]);
      expect(refused.body.error.fields[0].message, url).toMatch(reason);
    }
    expectError(await call("POST", "/v1/media", { key: p.manager, body: {} }), 400, "validation_failed", ["url"]);
    expect((await call("GET", "/v1/media", { key: p.manager })).body.data).toEqual([]);
  });

  it("is for managers only", async () => {
    const p = await newProject();
    const url = "https://media.example.test/image.jpg";
    expectError(await call("POST", "/v1/media", { key: p.sender, body: { url } }), 403, "forbidden");
  });
});

describe("downloadMedia", () => {
  it("cuts off a file past the limit, declared or not", async () => {
    const declared = await downloadMedia("https://media.example.test/image.png", 1000);
    expect(declared).toEqual({ ok: false, reason: "the file is 0.1 MB, over the 0.1 MB kept here" });
    const undeclared = await downloadMedia("https://media.example.test/file?type=image/jpeg", 100);
    expect(undeclared).toEqual({ ok: false, reason: "the file is larger than 0.1 MB" });
    const whole = await downloadMedia("https://media.example.test/file?type=image/jpeg", 1000);
    expect(whole).toMatchObject({ ok: true, contentType: "image/jpeg", kind: "IMAGE" });
    expect(whole.ok && whole.bytes.byteLength).toBe(256);
  });
});

describe("GET /v1/media, GET and DELETE /v1/media/{id}", () => {
  it("lists oldest first by pages, for either role", async () => {
    const p = await newProject();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await addedImage(p.manager, `p${i}.jpg`)).id);
    const first = await call("GET", "/v1/media?limit=2", { key: p.sender });
    expect(first.status).toBe(200);
    expect(first.body.data.map((f: { id: string }) => f.id)).toEqual(ids.slice(0, 2));
    const second = await call("GET", `/v1/media?limit=2&cursor=${first.body.nextCursor}`, { key: p.sender });
    expect(second.body.data.map((f: { id: string }) => f.id)).toEqual(ids.slice(2));
    expect(second.body.nextCursor).toBeNull();
    expectError(await call("GET", "/v1/media?cursor=nope", { key: p.sender }), 400, "validation_failed", ["cursor"]);
  });

  it("deletes a file here and in R2; another project's key sees nothing", async () => {
    const p = await newProject();
    const other = await newProject();
    const file = await addedImage(p.manager);
    expectError(await call("GET", `/v1/media/${file.id}`, { key: other.manager }), 404, "not_found");
    expectError(await call("DELETE", `/v1/media/${file.id}`, { key: other.manager }), 404, "not_found");
    expect((await call("GET", "/v1/media", { key: other.manager })).body.data).toEqual([]);
    expectError(await call("DELETE", `/v1/media/${file.id}`, { key: p.sender }), 403, "forbidden");

    const deleted = await call("DELETE", `/v1/media/${file.id}`, { key: p.manager });
    expect(deleted.status).toBe(200);
    expect(deleted.body.id).toBe(file.id);
    expect(await mediaRow(file.id)).toBeNull();
    expect(await r2Keys(p.id)).toEqual([]);
    expectError(await call("GET", `/v1/media/${file.id}`, { key: p.manager }), 404, "not_found");
    expect((await call("GET", `/v1/media/${file.id}`)).status).toBe(401);
  });
});
