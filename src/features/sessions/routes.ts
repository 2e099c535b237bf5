import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { ACCESS_HEADER, accessExpiry } from "../../platform/auth/access";
import { forgetSession, presentedSession, SESSION_COOKIE } from "../../platform/auth/session";
import { ApiError } from "../../platform/errors";
import { type AppEnv, router } from "../../platform/http/context";
import { errorResponses, jsonBody, jsonContent, SessionCookieSecurity } from "../../platform/http/openapi";
import { iso } from "../../platform/time";
import { SESSION_TAGS, SessionSchema, SignInBody } from "./schemas";
import { adminTokenMatches, closeSession, keyOwner, openSession, sessionOwner } from "./store";

const signIn = createRoute({
  method: "post",
  path: "/",
  tags: SESSION_TAGS,
  summary: "Sign in to the dashboard",
  description: [
    "Exchanges a project API key, or the operator token, for a session cookie (`wa_session`: HttpOnly, SameSite=Strict, Secure over https, 8 hours). The key itself is never kept in the page, in storage or in a URL: only the cookie's random token is, as a hash.",
    "A key session has the key's project and role on every API route, exactly as the key would; an operator session may use the operator routes (`/v1/admin/…`). A request that changes something, signed in by the cookie alone, must come from the same origin.",
  ].join("\n\n"),
  request: jsonBody(SignInBody),
  responses: {
    200: jsonContent(SessionSchema, "Signed in; the answer sets the cookie"),
    ...errorResponses(400, 401),
  },
});

const current = createRoute({
  method: "get",
  path: "/",
  tags: SESSION_TAGS,
  summary: "The dashboard session behind the cookie",
  security: SessionCookieSecurity,
  description:
    "The session behind the `wa_session` cookie; when Cloudflare Access is configured (`ACCESS_TEAM_DOMAIN`, `ACCESS_AUD`) and the request carries Access's valid JWT, an operator session that lasts as long as the JWT.",
  responses: { 200: jsonContent(SessionSchema, "The session"), ...errorResponses(401) },
});

const signOut = createRoute({
  method: "delete",
  path: "/",
  tags: SESSION_TAGS,
  summary: "Sign out of the dashboard",
  security: SessionCookieSecurity,
  description: "Ends the session behind the cookie, if any, and clears the cookie. Always 204.",
  responses: { 204: { description: "Signed out" }, ...errorResponses(403) },
});

const noSession = () => new ApiError("unauthorized", "not signed in: sign in with `POST /v1/session`");

function setSessionCookie(c: Context<AppEnv>, token: string, expiresAt: number) {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    // Browsers keep a Secure cookie only over https (and http://localhost, which `npm run dev` uses).
    secure: new URL(c.req.url).protocol === "https:",
    expires: new Date(expiresAt),
  });
}

async function viewOf(c: Context<AppEnv>, kind: "key" | "admin", keyId: string | null, expiresAt: number) {
  if (kind === "admin" || keyId === null) return { kind: "admin" as const, expiresAt: iso(expiresAt) };
  const owner = await sessionOwner(c.var.db, keyId);
  if (!owner) throw noSession();
  return {
    kind: "key" as const,
    project: { id: owner.projectId, name: owner.projectName },
    key: { id: owner.keyId, name: owner.keyName, role: owner.role },
    expiresAt: iso(expiresAt),
  };
}

export const sessionRoutes = router()
  .openapi(signIn, async (c) => {
    const body = c.req.valid("json");
    if (body.adminToken !== undefined) {
      if (!(await adminTokenMatches(body.adminToken, c.var.config.ADMIN_TOKEN))) {
        throw new ApiError("unauthorized", "the operator token is not the one this Worker has");
      }
      const { token, expiresAt } = await openSession(c.var.db, "admin", null);
      setSessionCookie(c, token, expiresAt);
      c.var.log.info("dashboard sign-in", { kind: "admin" });
      return c.json({ kind: "admin" as const, expiresAt: iso(expiresAt) }, 200);
    }
    const owner = await keyOwner(c.var.db, body.apiKey ?? "");
    if (!owner) throw new ApiError("unauthorized", "the API key is unknown or has been revoked");
    const { token, expiresAt } = await openSession(c.var.db, "key", owner.keyId);
    setSessionCookie(c, token, expiresAt);
    c.var.log.info("dashboard sign-in", { kind: "key", projectId: owner.projectId, keyId: owner.keyId });
    return c.json(
      {
        kind: "key" as const,
        project: { id: owner.projectId, name: owner.projectName },
        key: { id: owner.keyId, name: owner.keyName, role: owner.role },
        expiresAt: iso(expiresAt),
      },
      200,
    );
  })
  .openapi(current, async (c) => {
    const session = await presentedSession(c);
    if (!session) {
      // Behind Cloudflare Access the operator is signed in by Access itself, for as long as its token lasts.
      const until = await accessExpiry(c.var.config, c.req.header(ACCESS_HEADER));
      if (until !== null) return c.json({ kind: "admin" as const, expiresAt: iso(until) }, 200);
      throw noSession();
    }
    return c.json(await viewOf(c, session.kind, session.principal?.keyId ?? null, session.expiresAt), 200);
  })
  .openapi(signOut, async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token && token.length <= 128) {
      // Checks the origin first: another site must not sign a person out either.
      await presentedSession(c);
      await closeSession(c.var.db, token);
      forgetSession(token);
    }
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: new URL(c.req.url).protocol === "https:" });
    return c.body(null, 204);
  });
