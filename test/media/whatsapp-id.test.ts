import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { forgetMediaId, type MediaDeps, whatsappMediaId } from "../../src/features/media/whatsapp-id";
import { readConfig } from "../../src/platform/config";
import { createLogger } from "../../src/platform/log";
import { forgetAccount } from "../../src/whatsapp/accounts";
import { connectedProject } from "../delivery/pipeline.helpers";
import { db } from "../helpers";
import { injectError, uploadedMedia } from "../standin/standin.helpers";
import { addedImage, ageUpload, mediaRow } from "./library.helpers";

// WhatsApp keeps an upload 30 days: an id is handed out while it has a week left, and of the
// requests (or fan-out jobs) that find it stale at once, one uploads the file again.

const deps = (): MediaDeps => ({
  db: db(),
  config: readConfig(env),
  events: env.EVENTS,
  bucket: env.FILES,
  log: createLogger({}, "error"),
});

async function staleFile(daysAgo: number) {
  const { p, account } = await connectedProject();
  const file = await addedImage(p.manager);
  await ageUpload(file.id, daysAgo);
  forgetMediaId(p.id, file.id);
  return { p, account, file };
}

describe("whatsappMediaId", () => {
  it("reuses an upload with more than a week left: no upload, and the isolate remembers it", async () => {
    const { p, account, file } = await staleFile(10);
    expect(await whatsappMediaId(deps(), p.id, file.id)).toEqual({ id: file.whatsapp.mediaId, kind: "IMAGE" });
    await env.DB.prepare("UPDATE media_files SET wa_media_id = 'changed' WHERE id = ?").bind(file.id).run();
    expect((await whatsappMediaId(deps(), p.id, file.id)).id).toBe(file.whatsapp.mediaId);
    expect(await uploadedMedia(account)).toHaveLength(1);
  });

  it("uploads a file whose upload has less than a week left once, however many ask at once", async () => {
    const { p, account, file } = await staleFile(24);
    const answers = await Promise.all(Array.from({ length: 12 }, () => whatsappMediaId(deps(), p.id, file.id)));
    const uploads = await uploadedMedia(account);
    expect(uploads).toHaveLength(2);
    const fresh = uploads[1]?.id;
    // The old id still has six days: those that did not upload keep sending it meanwhile.
    for (const answer of answers) expect([file.whatsapp.mediaId, fresh]).toContain(answer.id);
    expect(answers.map((a) => a.id)).toContain(fresh);
    const row = await mediaRow(file.id);
    expect(row).toMatchObject({ wa_media_id: fresh, refreshing_until: null });
    expect(Date.now() - Number(row?.uploaded_at)).toBeLessThan(60_000);
  });

  it("makes everyone wait for the new upload when the old one is about to end", async () => {
    const { p, account, file } = await staleFile(29.5);
    const answers = await Promise.all(Array.from({ length: 8 }, () => whatsappMediaId(deps(), p.id, file.id)));
    const uploads = await uploadedMedia(account);
    expect(uploads).toHaveLength(2);
    expect(new Set(answers.map((a) => a.id))).toEqual(new Set([uploads[1]?.id]));
  });

  it("uploads again through a new phone number when the project's account changed", async () => {
    const { p, account, file } = await staleFile(1);
    await env.DB.prepare("UPDATE media_files SET wa_phone_number_id = 'an-old-number' WHERE id = ?")
      .bind(file.id)
      .run();
    forgetAccount(p.id);
    const answer = await whatsappMediaId(deps(), p.id, file.id);
    const uploads = await uploadedMedia(account);
    expect(uploads).toHaveLength(2);
    expect(answer.id).toBe(uploads[1]?.id);
    expect(await mediaRow(file.id)).toMatchObject({ wa_phone_number_id: account.phoneNumberId });
  });

  it("takes over a claim its holder left behind, and frees its own claim when WhatsApp refuses", async () => {
    const { p, account, file } = await staleFile(29.5);
    await env.DB.prepare("UPDATE media_files SET refreshing_until = ? WHERE id = ?")
      .bind(Date.now() - 1, file.id)
      .run();
    await injectError(account, { code: 131053, mode: "next", endpoint: "media" });
    await expect(whatsappMediaId(deps(), p.id, file.id)).rejects.toMatchObject({ code: "unprocessable" });
    expect(await mediaRow(file.id)).toMatchObject({ wa_media_id: file.whatsapp.mediaId, refreshing_until: null });

    const answer = await whatsappMediaId(deps(), p.id, file.id);
    expect(answer.id).toBe((await uploadedMedia(account))[1]?.id);
  });

  it("answers not_found for another project's file", async () => {
    const { p, file } = await staleFile(1);
    const other = await connectedProject();
    await expect(whatsappMediaId(deps(), other.p.id, file.id)).rejects.toMatchObject({ code: "not_found" });
    expect((await whatsappMediaId(deps(), p.id, file.id)).id).toBe(file.whatsapp.mediaId);
  });
});
