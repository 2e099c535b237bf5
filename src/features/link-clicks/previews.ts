// A tracked link is fetched by more than the person who taps it: apps unfurl a link someone pastes
// into a chat (Meta's own crawler, WhatsApp, Telegram, Slack…), search engines crawl it, and browsers
// fetch a page ahead of a tap they guess at. Those requests still get the redirect (a preview should
// show the real page) but are not counted as clicks. A client that names none of this is counted:
// a scanner that hides as a browser cannot be told apart, and is written down as such
// (docs/analytics.md).

// Crawler and link-preview agents by the names they announce; matched anywhere in the header.
const PREVIEW_AGENTS =
  /facebookexternalhit|facebookcatalog|meta-externalagent|whatsapp|telegrambot|twitterbot|slackbot|slack-imgproxy|discordbot|linkedinbot|skypeuripreview|applebot|googlebot|google-inspectiontool|bingbot|bingpreview|yandexbot|duckduckbot|baiduspider|embedly|redditbot|pinterestbot/i;

/**
 * Whether a request is a preview, a crawl or a prefetch rather than a person opening the link: a
 * known preview or crawler agent, or a prefetch declared by the browser (`Sec-Purpose`, or the older
 * `Purpose` and `X-Moz` headers).
 */
export function isPreviewOrPrefetch(headers: Headers): boolean {
  const purpose = `${headers.get("sec-purpose") ?? ""} ${headers.get("purpose") ?? ""} ${headers.get("x-moz") ?? ""}`;
  if (/prefetch|prerender|preview/i.test(purpose)) return true;
  return PREVIEW_AGENTS.test(headers.get("user-agent") ?? "");
}
