// Meta signs every webhook POST with the app secret: X-Hub-Signature-256 = sha256=<hex HMAC of the raw body>.

const encoder = new TextEncoder();

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[0-9a-f]{64}$/i.test(hex)) return null;
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export const hmacKey = (appSecret: string) =>
  crypto.subtle.importKey("raw", encoder.encode(appSecret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);

/** HMAC-SHA256 over the raw bytes; `crypto.subtle.verify` compares in constant time. */
export async function verifySignature(appSecret: string | CryptoKey, body: ArrayBuffer, header: string | undefined) {
  const expected = header?.startsWith("sha256=") ? hexToBytes(header.slice(7)) : null;
  if (!expected) return false;
  const key = typeof appSecret === "string" ? await hmacKey(appSecret) : appSecret;
  return crypto.subtle.verify("HMAC", key, expected, body);
}
