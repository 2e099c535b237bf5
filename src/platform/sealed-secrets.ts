import { toBase64Url } from "./crypto";

// Access tokens and app secrets are stored as `v1.<iv>.<ciphertext>` (base64url), sealed with
// AES-256-GCM under the ENCRYPTION_KEY secret. The project id and field name are bound in as
// additional data, so a ciphertext copied into another row or column does not decrypt.

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const keys = new Map<string, Promise<CryptoKey>>();

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** ENCRYPTION_KEY is 32 random bytes, base64 (standard or url-safe). */
export function isValidEncryptionKey(secret: string): boolean {
  try {
    return fromBase64Url(secret.replace(/=+$/, "")).length === 32;
  } catch {
    return false;
  }
}

function importKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", fromBase64Url(secret.replace(/=+$/, "")), "AES-GCM", false, [
      "encrypt",
      "decrypt",
    ]);
    keys.set(secret, key);
  }
  return key;
}

export async function seal(secret: string, plaintext: string, context: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const cipher = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(context) },
    await importKey(secret),
    encoder.encode(plaintext),
  );
  return `v1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(cipher))}`;
}

export async function unseal(secret: string, sealed: string, context: string): Promise<string> {
  const [version, iv, cipher] = sealed.split(".");
  if (version !== "v1" || !iv || !cipher) throw new Error("unknown credential format");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64Url(iv), additionalData: encoder.encode(context) },
    await importKey(secret),
    fromBase64Url(cipher),
  );
  return decoder.decode(plain);
}
