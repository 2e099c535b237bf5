import { createRoute } from "@hono/zod-openapi";
import { and, asc, eq, gt } from "drizzle-orm";
import { forgetKeyHash } from "../../platform/auth/api-key";
import { forgetSessionsOfKey } from "../../platform/auth/session";
import { sha256Hex } from "../../platform/crypto";
import type { Db } from "../../platform/db/client";
import { apiKeys, projects, sessions } from "../../platform/db/schema";
import { notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { AdminSecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { decodeCursor, PageQuery, page, toPage } from "../../platform/http/pagination";
import { API_KEY_PREFIX_LENGTH, newApiKey, newId } from "../../platform/ids";
import { iso, isoOrNull } from "../../platform/time";
import { ApiKeySchema, CreatedApiKeySchema, CreateKeyBody, KeyIdParam, ProjectIdParam } from "./schemas";

// The response schema lists the public columns; the hash never leaves the database layer.
const toApiKey = (row: typeof apiKeys.$inferSelect) => ({
  id: row.id,
  name: row.name,
  role: row.role,
  prefix: row.prefix,
  createdAt: iso(row.createdAt),
  lastUsedAt: isoOrNull(row.lastUsedAt),
  revokedAt: isoOrNull(row.revokedAt),
});

async function assertProject(db: Db, projectId: string) {
  const found = await db.select({ id: projects.id }).from(projects).where(eq(projects.id, projectId)).get();
  if (!found) throw notFound("project");
}

const create = createRoute({
  method: "post",
  path: "/{projectId}/keys",
  tags: ["Operator"],
  summary: "Create an API key",
  description: "The key is returned once, in this response. Only its SHA-256 hash is stored.",
  security: AdminSecurity,
  request: { params: ProjectIdParam, ...jsonBody(CreateKeyBody) },
  responses: { 201: jsonContent(CreatedApiKeySchema, "The new key"), ...errorResponses(400, 401, 404) },
});

const list = createRoute({
  method: "get",
  path: "/{projectId}/keys",
  tags: ["Operator"],
  summary: "List a project's API keys",
  security: AdminSecurity,
  request: { params: ProjectIdParam, query: PageQuery },
  responses: { 200: jsonContent(page(ApiKeySchema), "A page of keys, oldest first"), ...errorResponses(400, 401, 404) },
});

const revoke = createRoute({
  method: "delete",
  path: "/{projectId}/keys/{keyId}",
  tags: ["Operator"],
  summary: "Revoke an API key",
  description:
    "Revocation is immediate in the isolate that handles it and takes at most 30 seconds everywhere else. Revoking twice is harmless.",
  security: AdminSecurity,
  request: { params: KeyIdParam },
  responses: { 200: jsonContent(ApiKeySchema, "The revoked key"), ...errorResponses(401, 404) },
});

// Behind the operator token: mounted by adminRoutes (./index.ts).
export const adminKeys = router()
  .openapi(create, async (c) => {
    const { projectId } = c.req.valid("param");
    const { name, role } = c.req.valid("json");
    await assertProject(c.var.db, projectId);
    const key = newApiKey();
    const row = await c.var.db
      .insert(apiKeys)
      .values({
        id: newId("key"),
        projectId,
        name,
        role,
        hash: await sha256Hex(key),
        prefix: key.slice(0, API_KEY_PREFIX_LENGTH),
        createdAt: Date.now(),
      })
      .returning()
      .get();
    c.var.log.info("api key created", { projectId, keyId: row.id, role });
    return c.json({ ...toApiKey(row), key }, 201);
  })
  .openapi(list, async (c) => {
    const { projectId } = c.req.valid("param");
    const { limit, cursor } = c.req.valid("query");
    await assertProject(c.var.db, projectId);
    const after = decodeCursor(cursor, "string");
    const rows = await c.var.db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.projectId, projectId), after === undefined ? undefined : gt(apiKeys.id, after)))
      .orderBy(asc(apiKeys.id))
      .limit(limit + 1)
      .all();
    return c.json(
      toPage(rows, limit, (r) => r.id, toApiKey),
      200,
    );
  })
  .openapi(revoke, async (c) => {
    const { projectId, keyId } = c.req.valid("param");
    const where = and(eq(apiKeys.id, keyId), eq(apiKeys.projectId, projectId));
    const existing = await c.var.db.select().from(apiKeys).where(where).get();
    if (!existing) throw notFound("API key");
    const row =
      existing.revokedAt === null
        ? await c.var.db.update(apiKeys).set({ revokedAt: Date.now() }).where(where).returning().get()
        : existing;
    forgetKeyHash(row.hash);
    // Its dashboard sessions end with it (a session also re-checks its key when read).
    await c.var.db.delete(sessions).where(eq(sessions.keyId, keyId)).run();
    forgetSessionsOfKey(keyId);
    c.var.log.info("api key revoked", { projectId, keyId });
    return c.json(toApiKey(row), 200);
  });
