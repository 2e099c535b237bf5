import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../platform/http/context";
import { router } from "../../platform/http/context";
import { sendJobs } from "../../queues/producers";
import { destination, EXAMPLE_TOKEN, linkKey, verifyLink } from "../broadcast-messages/links";
import { isPreviewOrPrefetch } from "./previews";
import { type Click, linkTarget, recordClick } from "./store";

// The link a tracked url button opens. Public: the recipient's phone follows it with no key, so the
// token's signature is the only thing trusted, and nothing about a bad token is told back.

const follow = createRoute({
  method: "get",
  path: "/{token}",
  tags: ["Link clicks"],
  summary: "Follow a tracked link",
  description:
    "Where a url button of a campaign created with `trackClicks` leads: counts the click for the message and button the signed token names, then redirects to the button's url (with the recipient's own suffix when the url ends in a variable). Link previews, crawlers and browser prefetches (by their user agent or `Sec-Purpose` header) and HEAD requests are redirected without being counted. A token that is garbled, forged or names nothing known answers a small 404 page.",
  request: {
    params: z.object({
      token: z.string().openapi({ param: { name: "token", in: "path" }, example: EXAMPLE_TOKEN }),
    }),
  },
  responses: {
    302: { description: "To the button's url (`Location`)" },
    404: { description: "An HTML page: the link is not valid", content: { "text/html": { schema: z.string() } } },
    503: {
      description: "An HTML page: the link could not be looked up; try again",
      content: { "text/html": { schema: z.string() } },
    },
  },
});

/** The url as a Location header can carry it: a suffix's non-ASCII characters percent-encoded. */
function location(url: string | null): string | null {
  if (url === null) return null;
  try {
    return new URL(url).href;
  } catch {
    return null;
  }
}

const page = (c: Context<AppEnv>, status: 404 | 503, text: string) => {
  c.header("Cache-Control", "no-store");
  return c.html(
    `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${text}</title><p>${text}</p>`,
    status,
  );
};

/**
 * The click is written after the answer (`waitUntil`), so the person is redirected without waiting
 * on D1's primary; a write that fails goes onto the jobs queue, whose retries and dead-letter queue
 * make sure it is not lost.
 */
function count(c: Context<AppEnv>, click: Click) {
  const { db, log } = c.var;
  c.executionCtx.waitUntil(
    recordClick(db, c.env, click).catch(async (err) => {
      log.warn("link click not written; queued", { runId: click.runId, err });
      await sendJobs(c.env, [{ kind: "link-click", ...click }]).catch((queueErr) =>
        log.error("link click lost", { runId: click.runId, messageId: click.messageId, err: queueErr }),
      );
    }),
  );
}

export const linkRedirectRoutes = router().openapi(follow, async (c) => {
  const ref = await verifyLink(await linkKey(c.var.config.ENCRYPTION_KEY), c.req.valid("param").token);
  if (!ref) return page(c, 404, "This link is not valid.");
  let target: Awaited<ReturnType<typeof linkTarget>>;
  try {
    target = await linkTarget(c.var.db, ref.runId);
  } catch (err) {
    c.var.log.error("link target not read", { runId: ref.runId, err });
    return page(c, 503, "This link cannot be opened right now; try again in a moment.");
  }
  const url = target ? location(destination(target.buttons[ref.button], ref.suffix)) : null;
  if (!target || !url) return page(c, 404, "This link is not valid.");
  // A HEAD asks about the link without opening it, and a preview or prefetch is not a person: no click.
  if (c.req.method !== "HEAD" && !isPreviewOrPrefetch(c.req.raw.headers)) {
    const { projectId, campaignId } = target;
    count(c, { projectId, campaignId, runId: ref.runId, messageId: ref.messageId, button: ref.button, at: Date.now() });
  }
  // The token stays out of the Referer the destination would see, and every click reaches us.
  c.header("Cache-Control", "no-store");
  c.header("Referrer-Policy", "no-referrer");
  return c.redirect(url, 302);
});
