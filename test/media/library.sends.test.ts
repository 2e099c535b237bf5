import { describe, expect, it } from "vitest";
import { campaignWith, kindsProject, refused, sendToStandIn } from "../api-campaigns/api-send.kinds.helpers";
import { numbers } from "../audiences/audiences.helpers";
import { call, expectError } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { audience, metaProject, ok } from "../runs/runs.helpers";
import { graph, receivedSends, standInMedia, uploadedMedia } from "../standin/standin.helpers";
import { addedImage } from "./library.helpers";

// A library file goes to WhatsApp once; every send that names it carries WhatsApp's id.

/** The HEADER of a template at the stand-in, as Meta lists it. */
async function headerAt(account: Parameters<typeof graph>[0], name: string) {
  const listed = await graph(account, "GET", `${account.wabaId}/message_templates?name=${name}`);
  const [template] = listed.body.data as { components: { type: string; example?: { header_handle?: string[] } }[] }[];
  const header = template?.components.find((c) => c.type === "HEADER");
  if (!header) throw new Error(`template ${name} has no HEADER at the stand-in`);
  return header;
}

const IMAGE_TEMPLATE = {
  name: "library_image",
  language: "en_US",
  category: "UTILITY",
  header: { format: "IMAGE" },
  body: { text: "Your order has shipped." },
};

describe("media.file on an API send", () => {
  it("sends the library file by WhatsApp's id, uploaded once for every send", async () => {
    const k = await kindsProject();
    const file = await addedImage(k.p.manager);
    const { campaignName } = await campaignWith(k, IMAGE_TEMPLATE);
    for (let i = 0; i < 3; i++) {
      const sent = await sendToStandIn(k, campaignName, { media: { file: file.id } });
      expect(sent.components).toEqual([
        { type: "header", parameters: [{ type: "image", image: { id: file.whatsapp.mediaId } }] },
      ]);
    }
    expect(await uploadedMedia(k.account)).toHaveLength(1);
  });

  it("names media.file when the file is unknown, of the wrong kind or given with a url", async () => {
    const k = await kindsProject();
    const other = await kindsProject();
    const { campaignName } = await campaignWith(k, { ...IMAGE_TEMPLATE, name: "library_image_checks" });
    const pdf = await call("POST", "/v1/media/from/file?filename=a.pdf", {
      key: k.p.manager,
      raw: new TextEncoder().encode("%PDF-1.4"),
      headers: { "content-type": "application/pdf" },
    });
    expect(pdf.status).toBe(201);
    const theirs = await addedImage(other.p.manager);

    expect(await refused(k, campaignName, { media: { file: "med_nothing" } })).toEqual([
      { field: "media.file", in: "body", message: "no media file med_nothing in this project" },
    ]);
    expect(await refused(k, campaignName, { media: { file: theirs.id } })).toEqual([
      { field: "media.file", in: "body", message: `no media file ${theirs.id} in this project` },
    ]);
    expect(await refused(k, campaignName, { media: { file: pdf.body.id } })).toEqual([
      { field: "media.file", in: "body", message: "is a DOCUMENT; the template's header takes an IMAGE" },
    ]);
    expect(
      await refused(k, campaignName, { media: { file: theirs.id, url: "https://media.example.test/image.jpg" } }),
    ).toEqual([{ field: "media.file", in: "body", message: "Invalid input: give file alone, without url or id" }]);

    const plain = await campaignWith(k, {
      name: "library_plain",
      language: "en_US",
      category: "UTILITY",
      body: { text: "Hi." },
    });
    expect(await refused(k, plain.campaignName, { media: { file: pdf.body.id } })).toEqual([
      { field: "media", in: "body", message: "the campaign's template has no media header: leave media out" },
    ]);
  });
});

describe("imgMedia on a broadcast campaign", () => {
  it("sends every recipient the image by WhatsApp's id, and keeps the file while the campaign uses it", async () => {
    const { p, account } = await metaProject(true);
    const members = numbers(5, 8801);
    await audience(p.manager, "club", members);
    const file = await addedImage(p.manager);
    const created = await ok(
      call("POST", "/v1/create/campaign", {
        key: p.manager,
        body: {
          title: "Library image",
          message: "Our summer sale starts today.",
          imgMedia: file.id,
          options: { runImmediately: true, audiences: ["club"] },
        },
      }),
      201,
    );
    expect(created.campaign).toMatchObject({ imgUrl: null, imgMedia: file.id });
    const sends = await eventually(
      () => receivedSends(account),
      (all) => all.length === members.length,
    );
    for (const send of sends) {
      expect((send.body as { template: { components: unknown[] } }).template.components).toContainEqual({
        type: "header",
        parameters: [{ type: "image", image: { id: file.whatsapp.mediaId } }],
      });
    }
    expect(await uploadedMedia(account)).toHaveLength(1);
    // Meta reviews the template with the image itself: uploaded through the app, its handle the example.
    const header = await headerAt(account, created.campaign.templateName);
    expect(header).toMatchObject({ format: "IMAGE", example: { header_handle: [expect.any(String)] } });
    expect((await standInMedia(account)).handles).toEqual(header.example?.header_handle);

    const kept = await call("DELETE", `/v1/media/${file.id}`, { key: p.manager });
    expectError(kept, 409, "conflict");
    expect(kept.body.error.message).toContain('"Library image"');
  });

  it("uploads an imgUrl's image as the template's example too; an account without its app id cannot", async () => {
    const { p, account } = await metaProject(true);
    const created = await ok(
      call("POST", "/v1/create/campaign", {
        key: p.manager,
        body: { title: "Linked image", message: "Hello.", imgUrl: "https://media.example.test/image.jpg" },
      }),
      201,
    );
    const header = await headerAt(account, created.campaign.templateName);
    expect((await standInMedia(account)).handles).toEqual(header.example?.header_handle);

    const put = await call("PUT", `/v1/admin/projects/${p.id}/whatsapp`, {
      admin: true,
      body: {
        provider: "meta",
        phoneNumberId: account.phoneNumberId,
        wabaId: account.wabaId,
        accessToken: account.accessToken,
        appSecret: account.appSecret,
        verifyToken: `verify-${p.id}`,
      },
    });
    expect(put.status).toBe(200);
    const refused = await call("POST", "/v1/create/campaign", {
      key: p.manager,
      body: { title: "No app", message: "Hello.", imgUrl: "https://media.example.test/image.jpg" },
    });
    expectError(refused, 409, "not_configured");
    expect(refused.body.error.message).toContain("appId");
    const listed = await call("POST", "/v1/retrieve/campaigns", { key: p.manager, body: {} });
    expect(JSON.stringify(listed.body)).not.toContain("No app");
  });

  it("names imgMedia when it is unknown, not an image, or given with imgUrl", async () => {
    const { p } = await metaProject(true);
    const pdf = await call("POST", "/v1/media/from/file?filename=a.pdf", {
      key: p.manager,
      raw: new TextEncoder().encode("%PDF-1.4"),
      headers: { "content-type": "application/pdf" },
    });
    const image = await addedImage(p.manager);
    const create = (extra: Record<string, unknown>) =>
      call("POST", "/v1/create/campaign", { key: p.manager, body: { title: "Checks", message: "Hello.", ...extra } });
    const unknown = await create({ imgMedia: "med_nothing" });
    expectError(unknown, 400, "validation_failed", ["imgMedia"]);
    expect(unknown.body.error.fields[0].message).toBe("no media file med_nothing in this project");
    const notImage = await create({ imgMedia: pdf.body.id });
    expectError(notImage, 400, "validation_failed", ["imgMedia"]);
    expect(notImage.body.error.fields[0].message).toContain("application/pdf");
    const both = await create({ imgMedia: image.id, imgUrl: "https://media.example.test/image.jpg" });
    expectError(both, 400, "validation_failed", ["imgMedia"]);
  });
});
