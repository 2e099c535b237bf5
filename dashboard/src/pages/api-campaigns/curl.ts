export const SEND_PATH = "/campaign/t1/api/v2";

/** Stands in for the key in the request shown: the dashboard never holds a key. */
export const KEY_PLACEHOLDER = "<YOUR_API_KEY>";

/** Single-quoted for a POSIX shell: a quote inside becomes '\''. */
const shellQuote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** The request a CRM would make for this send, with the key as a placeholder. */
export function curlFor(origin: string, body: Record<string, unknown>): string {
  const json = JSON.stringify({ apiKey: KEY_PLACEHOLDER, ...body }, null, 2);
  return [
    `curl -X POST ${origin}${SEND_PATH} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d ${shellQuote(json)}`,
  ].join("\n");
}
