// The fake media hosts (standin/media-host.ts) answer the Worker's requests to these hosts; see
// vitest.config.ts. Every other host gets a 502 from the outbound guard, never the network.
export const MEDIA = "https://media.example.test";
export const CDN = "https://cdn.example.test";

export interface SeenRequest {
  method: string;
  url: string;
  range: string | null;
}

/** A fetch that records each request, then hands it to `inner` (the runtime's fetch by default). */
export function countingFetch(inner: typeof fetch = (input, init) => fetch(input, init)) {
  const calls: SeenRequest[] = [];
  const counted: typeof fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    calls.push({ method: init?.method ?? "GET", url, range: new Headers(init?.headers).get("range") });
    return inner(input, init);
  };
  return { fetch: counted, calls };
}

/** A fetch that never touches the network: every URL is a 1000-byte JPEG. */
export const jpegEverywhere: typeof fetch = async () =>
  new Response(null, { status: 200, headers: { "content-type": "image/jpeg", "content-length": "1000" } });

export const redirectTo = (to: string, status = 302) =>
  `${MEDIA}/redirect?to=${encodeURIComponent(to)}${status === 302 ? "" : `&status=${status}`}`;
