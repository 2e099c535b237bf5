import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { managerOnly } from "../../platform/auth/manager-only";
import { ApiError, fieldError, fromZodError, notFound } from "../../platform/errors";
import type { AppEnv } from "../../platform/http/context";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonContent } from "../../platform/http/openapi";
import { decodeCursor, PageQuery, toPage } from "../../platform/http/pagination";
import { newId } from "../../platform/ids";
import { createImport } from "./create";
import { analyseHeader, type ImportKind } from "./header";
import {
  ImportDetailResponse,
  ImportIdParam,
  ImportResponse,
  ImportsResponse,
  INLINE_REJECTS,
  RejectsQuery,
  RejectsResponse,
  toImport,
  UploadFields,
  UploadQuery,
} from "./schemas";
import { getImport, listImports, listRejects, r2KeyOf } from "./store";
import { MAX_FILE_BYTES, readHeader, receiveUpload } from "./upload";

// Described as a plain OpenAPI schema, not zod: a zod body schema would make the router parse
// (and buffer) the whole form before the handler runs. The handler streams it instead.
const formSchema = (withAudience: boolean) => ({
  type: "object" as const,
  required: ["file", "name", "id"],
  properties: {
    file: { type: "string" as const, format: "binary", description: "The CSV file, UTF-8, with a header row" },
    name: { type: "string" as const, maxLength: 200 },
    id: { type: "string" as const, pattern: "^[A-Za-z0-9_.:-]{1,100}$" },
    ...(withAudience
      ? {
          audienceId: {
            type: "string" as const,
            pattern: "^[A-Za-z0-9_.:-]{1,100}$",
            description: "Also add every imported number to this audience (created if new)",
          },
        }
      : {}),
  },
});

const uploadBody = (withAudience: boolean) => ({
  required: true,
  description: `The file as a multipart form (fields may come before or after the file), or the raw CSV with \`Content-Type: text/csv\` and the fields as query parameters. At most ${MAX_FILE_BYTES / (1024 * 1024)} MB.`,
  content: {
    "multipart/form-data": { schema: formSchema(withAudience) },
    "text/csv": { schema: { type: "string" as const, format: "binary" } },
  },
});

const COLUMNS =
  "The header row names the columns, in any order. The phone number goes in a column named `number` (or `phone`, `phone_number`, `mobile`, `whatsapp`; any case).";

const audienceFromFile = createRoute({
  method: "post",
  path: "/create/audience/from/file",
  tags: ["Imports"],
  summary: "Create or fill an audience from a CSV file",
  description: `${COLUMNS} Columns \`name\` and \`source\` fill the contacts' name and source; other columns are ignored (listed in \`ignoredColumns\`). The file is imported in the background: poll /v1/imports/{importId}. An existing audience id is filled (and renamed to \`name\`).`,
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { query: UploadQuery, body: uploadBody(false) },
  responses: {
    202: jsonContent(ImportResponse, "The file is stored and its import queued"),
    ...errorResponses(400, 401, 403, 409, 413, 415),
  },
});

const groupFromFile = createRoute({
  method: "post",
  path: "/create/variable/group/from/file",
  tags: ["Imports"],
  summary: "Create or fill a variable group from a CSV file",
  description: `${COLUMNS} Every other column is a variable (\`First Name\` becomes \`First_Name\`); a row needs a value in each. An existing group keeps its variables and gains the file's. With \`audienceId\`, every imported number is also added to that audience (created if new). The file is imported in the background: poll /v1/imports/{importId}.`,
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { query: UploadQuery, body: uploadBody(true) },
  responses: {
    202: jsonContent(ImportResponse, "The file is stored and its import queued"),
    ...errorResponses(400, 401, 403, 409, 413, 415),
  },
});

const getOne = createRoute({
  method: "get",
  path: "/imports/{importId}",
  tags: ["Imports"],
  summary: "An import's status and progress",
  description: `Rows done and rejected, bytes read of the file's total, and the first ${INLINE_REJECTS} rejected rows.`,
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: ImportIdParam },
  responses: { 200: jsonContent(ImportDetailResponse, "The import"), ...errorResponses(400, 401, 403, 404) },
});

const rejects = createRoute({
  method: "get",
  path: "/imports/{importId}/rejects",
  tags: ["Imports"],
  summary: "An import's rejected rows",
  description: "By line number, with cursor pagination. Each says why the row was not imported.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { params: ImportIdParam, query: RejectsQuery },
  responses: { 200: jsonContent(RejectsResponse, "A page of rejected rows"), ...errorResponses(400, 401, 403, 404) },
});

const list = createRoute({
  method: "get",
  path: "/imports",
  tags: ["Imports"],
  summary: "List imports",
  description: "The project's CSV imports, oldest first, with cursor pagination.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { query: PageQuery },
  responses: { 200: jsonContent(ImportsResponse, "A page of imports"), ...errorResponses(400, 401, 403) },
});

async function upload(c: Context<AppEnv>, kind: ImportKind) {
  const projectId = c.var.principal.projectId;
  const importId = newId("imp");
  // The key depends on nothing the form sends, so the file can be stored before its fields arrive.
  const received = await receiveUpload(c.req.raw, c.env.FILES, r2KeyOf(projectId, importId));
  const abort = async (err: unknown) => {
    await received.writer.abort();
    return err;
  };
  const where = received.fieldsIn;
  const fields = { ...c.req.query(), ...received.fields };
  const missing = ["file", "name", "id"].filter((f) => (f === "file" ? received.files === 0 : !fields[f]));
  if (missing.length > 0) {
    throw await abort(
      new ApiError("validation_failed", missing.map((f) => `${f}: is required`).join("; "), {
        fields: missing.map((f) => ({ field: f, in: f === "file" ? "body" : where, message: "is required" })),
      }),
    );
  }
  const parsed = UploadFields.safeParse(
    kind === "audience"
      ? { id: fields.id, name: fields.name }
      : { id: fields.id, name: fields.name, audienceId: fields.audienceId },
  );
  if (!parsed.success) throw await abort(fromZodError(parsed.error, where === "body" ? "form" : "query"));
  if (received.bytes === 0) throw await abort(fieldError("file", "is empty"));
  const header = readHeader(received.head, received.bytes);
  if (!header.ok) throw await abort(fieldError("file", header.reason));
  const layout = analyseHeader(header.cells, kind);
  if (!layout.ok) throw await abort(fieldError("file", layout.error));
  let row: Awaited<ReturnType<typeof createImport>>;
  try {
    row = await createImport(
      { db: c.var.db, env: c.env },
      {
        projectId,
        importId,
        kind,
        fields: parsed.data,
        fieldsIn: where,
        header: header.cells.map((cell, i) => (i === 0 ? cell.replace(/^\uFEFF/, "") : cell)),
        layout: layout.layout,
        bytes: received.bytes,
        writer: received.writer,
      },
    );
  } catch (err) {
    throw await abort(err);
  }
  return c.json({ status: "success" as const, import: toImport(row) }, 202);
}

export const importRoutes = router()
  .openapi(audienceFromFile, (c) => upload(c, "audience"))
  .openapi(groupFromFile, (c) => upload(c, "variable_group"))
  .openapi(list, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await listImports(c.var.db, c.var.principal.projectId, decodeCursor(cursor, "string"), limit);
    const page = toPage(rows, limit, (r) => r.id, toImport);
    return c.json({ status: "success" as const, imports: page.data, nextCursor: page.nextCursor }, 200);
  })
  .openapi(getOne, async (c) => {
    const row = await getImport(c.var.db, c.var.principal.projectId, c.req.valid("param").importId);
    if (!row) throw notFound("import");
    const first = await listRejects(c.var.db, row.id, 0, INLINE_REJECTS);
    return c.json(
      { status: "success" as const, import: { ...toImport(row), rejects: first.slice(0, INLINE_REJECTS) } },
      200,
    );
  })
  .openapi(rejects, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const row = await getImport(c.var.db, c.var.principal.projectId, c.req.valid("param").importId);
    if (!row) throw notFound("import");
    const rows = await listRejects(c.var.db, row.id, decodeCursor(cursor, "number") ?? 0, limit);
    const page = toPage(
      rows,
      limit,
      (r) => r.line,
      (r) => r,
    );
    return c.json({ status: "success" as const, rejects: page.data, nextCursor: page.nextCursor }, 200);
  });
