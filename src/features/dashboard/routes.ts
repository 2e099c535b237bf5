import { Hono } from "hono";
import type { AppEnv } from "../../platform/http/context";

// The dashboard's files are static assets (wrangler.toml [assets]); the Worker is reached only for
// paths that are not a file: the root, which leads to the dashboard, and the dashboard's own
// addresses (/app/campaigns/cmp_…), each answered with the one page that routes in the browser.

// The page loads only its own scripts and talks only to this origin.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

export const dashboardRoutes = new Hono<AppEnv>()
  .get("/", (c) => c.redirect("/app/", 302))
  .get("/app", (c) => c.redirect("/app/", 301))
  .get("/app/*", async (c) => {
    // Cloudflare serves existing files before the Worker runs; a missing one is a 404 from the
    // assets, never the page (tests call the Worker directly, so it forwards them too).
    if (c.req.path.startsWith("/app/assets/")) return c.env.ASSETS.fetch(c.req.raw);
    const page = await c.env.ASSETS.fetch(new URL("/app/", c.req.url));
    const headers = new Headers(page.headers);
    headers.set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    headers.set("Cache-Control", "no-cache");
    return new Response(page.body, { status: page.ok ? 200 : page.status, headers });
  });

export { CONTENT_SECURITY_POLICY };
