// How a callback request proves where it came from: an HMAC over the exact bytes sent, under the
// endpoint's secret, with the time of the attempt in it (docs/customer-callbacks.md#verifying).

import { toHex } from "../../platform/crypto";

export const SIGNATURE_HEADER = "X-Campaign-Signature";
export const TIMESTAMP_HEADER = "X-Campaign-Timestamp";
export const EVENT_ID_HEADER = "X-Campaign-Event-Id";
export const EVENT_COUNT_HEADER = "X-Campaign-Event-Count";

const encoder = new TextEncoder();

/** Signs with one secret: the key is imported once for all the requests of a receiver. */
export async function callbackSigner(secret: string) {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return async (timestamp: number, body: string) =>
    `sha256=${toHex(await crypto.subtle.sign("HMAC", key, encoder.encode(`${timestamp}.${body}`)))}`;
}

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the secret's UTF-8 bytes>`. */
export async function signCallback(secret: string, timestamp: number, body: string): Promise<string> {
  return (await callbackSigner(secret))(timestamp, body);
}
