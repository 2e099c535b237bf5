import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { requireApiKey } from "../../platform/auth/api-key";
import { managerOnly } from "../../platform/auth/manager-only";
import { ApiError, fieldError, notFound } from "../../platform/errors";
import { type AppEnv, router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { decodeCursor, PageQuery, page, toPage } from "../../platform/http/pagination";
import { newId } from "../../platform/ids";
import { downloadMedia } from "./download";
import { MEDIA_LIMITS_TEXT, MediaFileSchema, MediaFromUrlBody, MediaIdParam, toMediaFile } from "./library-schemas";
import {
  campaignUsing,
  deleteMediaFile,
  getMediaFile,
  insertMediaFile,
  listMediaFiles,
  mediaR2Key,
} from "./library-store";
import { LIBRARY_MAX_BYTES, type ReceivedFile, receiveFile } from "./receive";
import { forgetMediaId, whatsappMediaId } from "./whatsapp-id";

const TAGS = ["Media"];
const STORED =
  "The file is kept in the project's R2 bucket and uploaded to WhatsApp at once; sends that name it (`media.file` on an API send, `imgMedia` on a broadcast campaign) carry WhatsApp's id instead of a link, so WhatsApp does not download it per recipient. WhatsApp keeps an upload 30 days; the file is uploaded again a week before that. If WhatsApp refuses the upload nothing is kept.";

const fromUrl = createRoute({
  method: "post",
  path: "/media",
  tags: TAGS,
  summary: "Add a file to the media library from a URL",
  description: `Fetches the URL once (a public address; redirects followed, at most 3). ${MEDIA_LIMITS_TEXT}. ${STORED}`,
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: jsonBody(MediaFromUrlBody),
  responses: {
    201: jsonContent(MediaFileSchema, "The file, kept and uploaded to WhatsApp"),
    ...errorResponses(400, 401, 403, 409, 413, 422, 502),
  },
});

const fromFile = createRoute({
  method: "post",
  path: "/media/from/file",
  tags: TAGS,
  summary: "Add a file to the media library",
  description: `The file as a multipart form (a part named \`file\`; an optional \`filename\` field), or the raw file with its own \`Content-Type\` and \`?filename=\`. ${MEDIA_LIMITS_TEXT}. ${STORED}`,
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: {
    body: {
      required: true,
      description: `At most ${LIBRARY_MAX_BYTES / (1024 * 1024)} MB.`,
      content: {
        "multipart/form-data": {
          schema: {
            type: "object" as const,
            required: ["file"],
            properties: {
              file: { type: "string" as const, format: "binary" },
              filename: { type: "string" as const, maxLength: 240 },
            },
          },
        },
        "image/jpeg": { schema: { type: "string" as const, format: "binary" } },
        "application/pdf": { schema: { type: "string" as const, format: "binary" } },
      },
    },
  },
  responses: {
    201: jsonContent(MediaFileSchema, "The file, kept and uploaded to WhatsApp"),
    ...errorResponses(400, 401, 403, 409, 413, 415, 422, 502),
  },
});

const list = createRoute({
  method: "get",
  path: "/media",
  tags: TAGS,
  summary: "List the media library",
  description: "Oldest first, with cursor pagination. Readable with either role.",
  security: ApiKeySecurity,
  middleware: [requireApiKey],
  request: { query: PageQuery },
  responses: { 200: jsonContent(page(MediaFileSchema), "A page of files"), ...errorResponses(400, 401) },
});

const getOne = createRoute({
  method: "get",
  path: "/media/{id}",
  tags: TAGS,
  summary: "Get a media file",
  description: "Its type, size, and WhatsApp's id with when WhatsApp forgets it.",
  security: ApiKeySecurity,
  middleware: [requireApiKey],
  request: { params: MediaIdParam },
  responses: { 200: jsonContent(MediaFileSchema, "The file"), ...errorResponses(400, 401, 404) },
});

const remove = createRoute({
  method: "delete",
  path: "/media/{id}",
  tags: TAGS,
  summary: "Delete a media file",
  description:
    "Removes it here and from R2 (WhatsApp forgets its upload by itself within 30 days). Refused while a broadcast campaign sends it; messages already queued with its WhatsApp id still go out.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: MediaIdParam },
  responses: { 200: jsonContent(MediaFileSchema, "The deleted file"), ...errorResponses(400, 401, 403, 404, 409) },
});

/** Keeps the file in R2, records it, and uploads it to WhatsApp; on any failure nothing stays. */
async function store(c: Context<AppEnv>, file: ReceivedFile, sourceUrl: string | null) {
  const { db, log, config } = c.var;
  const { projectId } = c.var.principal;
  const id = newId("med");
  const r2Key = mediaR2Key(projectId, id);
  await c.env.FILES.put(r2Key, file.bytes, { httpMetadata: { contentType: file.contentType } });
  try {
    const row = await insertMediaFile(db, {
      id,
      projectId,
      filename: file.filename,
      contentType: file.contentType,
      bytes: file.bytes.byteLength,
      r2Key,
      sourceUrl,
    });
    const deps = { db, config, events: c.env.EVENTS, bucket: c.env.FILES, log };
    await whatsappMediaId(deps, projectId, row);
    const stored = await getMediaFile(db, projectId, id);
    log.info("media file stored", { fileId: id, bytes: row.bytes, kind: file.kind });
    return c.json(toMediaFile(stored ?? row), 201);
  } catch (err) {
    await deleteMediaFile(db, projectId, id);
    await c.env.FILES.delete(r2Key);
    throw err;
  }
}

const lastSegment = (url: string) => {
  try {
    return decodeURIComponent(new URL(url).pathname.split("/").filter(Boolean).at(-1) ?? "");
  } catch {
    return "";
  }
};

export const mediaRoutes = router()
  .openapi(fromUrl, async (c) => {
    const { url, filename } = c.req.valid("json");
    const downloaded = await downloadMedia(url, LIBRARY_MAX_BYTES, { devHosts: c.var.config.DEV_MEDIA_HOSTS });
    if (!downloaded.ok) throw fieldError("url", downloaded.reason);
    const name = (filename ?? lastSegment(downloaded.finalUrl)).slice(0, 240);
    return store(
      c,
      {
        bytes: downloaded.bytes,
        contentType: downloaded.contentType,
        kind: downloaded.kind,
        filename: name || `file.${downloaded.contentType.split("/")[1] ?? "bin"}`,
      },
      url,
    );
  })
  .openapi(fromFile, async (c) => store(c, await receiveFile(c.req.raw), null))
  .openapi(list, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await listMediaFiles(c.var.db, c.var.principal.projectId, decodeCursor(cursor, "string"), limit);
    return c.json(
      toPage(rows, limit, (r) => r.id, toMediaFile),
      200,
    );
  })
  .openapi(getOne, async (c) => {
    const row = await getMediaFile(c.var.db, c.var.principal.projectId, c.req.valid("param").id);
    if (!row) throw notFound("media file");
    return c.json(toMediaFile(row), 200);
  })
  .openapi(remove, async (c) => {
    const { db } = c.var;
    const { projectId } = c.var.principal;
    const row = await getMediaFile(db, projectId, c.req.valid("param").id);
    if (!row) throw notFound("media file");
    const campaign = await campaignUsing(db, projectId, row.id);
    if (campaign !== null)
      throw new ApiError("conflict", `media file ${row.id} is the image of campaign "${campaign}"`);
    await deleteMediaFile(db, projectId, row.id);
    await c.env.FILES.delete(row.r2Key);
    forgetMediaId(projectId, row.id);
    return c.json(toMediaFile(row), 200);
  });
