// What `new Chat(apiKey, options)` accepts, checked once when the client is made, so that a
// misconfigured client fails at construction rather than on its first call.
import type { FetchLike, Transport } from "./http.js";

export interface ChatOptions {
  /**
   * Where your deployment of the API answers, e.g. `https://campaigns.example.workers.dev`.
   * Required: there is no hosted default.
   */
  baseUrl: string;
  /** A fetch to use instead of the global one (tests, proxies, a Worker's service binding). */
  fetch?: FetchLike;
  /** Deadline of each call, answer included, in milliseconds (default 30,000). */
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** The transport every call of a client goes through; throws a TypeError for invalid arguments. */
export function transportOf(apiKey: string, options: ChatOptions): Transport {
  if (typeof apiKey !== "string" || apiKey.trim() === "") {
    throw new TypeError("Chat: an API key is required as the first argument");
  }
  const baseUrl = options?.baseUrl;
  if (typeof baseUrl !== "string" || !/^https?:\/\/[^/]/i.test(baseUrl)) {
    throw new TypeError(
      'Chat: options.baseUrl is required: the URL your deployment answers on, e.g. new Chat(key, { baseUrl: "https://campaigns.example.com" })',
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TypeError("Chat: options.timeoutMs must be a positive number of milliseconds");
  }
  const fetchImpl = options.fetch ?? globalFetch();
  return {
    baseUrl: baseUrl.replace(/\/+$/, ""),
    fetch: fetchImpl,
    timeoutMs,
    authorization: apiKey.trim(),
  };
}

function globalFetch(): FetchLike {
  if (typeof globalThis.fetch !== "function") {
    throw new TypeError("Chat: this runtime has no global fetch (Node 18+ has one); pass options.fetch");
  }
  // Looked up per call, and called on globalThis: browsers reject a fetch detached from window.
  return (input, init) => globalThis.fetch(input, init);
}
