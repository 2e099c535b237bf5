import { toBase64Url, toHex } from "../../platform/crypto";
import { ledgerMessageId, MESSAGE_ID, parseLedgerMessageId } from "../../platform/ids";
import type { ButtonParameter, TemplateButton, TemplateMessage } from "../../whatsapp/provider";
import type { BroadcastButton } from "./buttons";

// Link-click tracking (a campaign's `trackClicks`): each url button of the template leads to
// `<origin>/l/{{1}}`, and each message fills the `{{1}}` with a token naming the message, its run and
// the button, and carrying the button's own per-recipient suffix, if it has one. The token is
// signed (HMAC-SHA-256, cut to 96 bits, under a key derived from ENCRYPTION_KEY), so a click cannot
// be forged, nor a token altered to count for another message, run or project. It carries no
// secret and nothing of the recipient but the suffix their untracked link would have shown.

// Version 1 tokens name a message whose id is all hex; version 2, one whose random part is
// base64url (src/platform/ids.ts newMessageId). Both are 12 bytes: 6 of time, 6 random. Version 3
// names a message in its run's own object (`msg_r<ref>.<slot>`): 6 bytes of the run's ref, 6 of
// the slot, each a big-endian integer.
const VERSIONS = [1, 2, 3] as const;
const ID_BYTES = 12;
const MAC_BYTES = 12;
// version, message id, run id, button index, then the MAC; the suffix, if any, after it.
const HEAD = 1 + ID_BYTES + ID_BYTES + 1;
const FIXED = HEAD + MAC_BYTES;
// Meta takes a url button's URL (its suffix filled in) up to 2000 characters: a suffix of up to
// 1000 bytes keeps the token (4/3 of its bytes) and any reasonable origin well inside that.
export const MAX_SUFFIX_BYTES = 1000;

export const LINK_PATH = "/l/";
/** A token-shaped example for Meta's review of the template (it opens the "not valid" page). */
export const EXAMPLE_TOKEN = "AQ".padEnd(Math.ceil((FIXED * 4) / 3), "A");

const RUN_ID = /^run_([0-9a-f]{24})$/;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const keys = new Map<string, Promise<CryptoKey>>();

/** The HMAC key of link tokens: HKDF of ENCRYPTION_KEY, so the sealing key itself signs nothing. */
export function linkKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode("link-clicks v1") },
          base,
          { name: "HMAC", hash: "SHA-256", length: 256 },
          false,
          ["sign"],
        ),
      );
    keys.set(secret, key);
  }
  return key;
}

export interface LinkRef {
  messageId: string;
  runId: string;
  /** The button's index in the campaign's `buttons`. */
  button: number;
  /** The per-recipient end of the button's url ("" for a url without a variable). */
  suffix: string;
}

const hexBytes = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));

function runBytes(id: string): Uint8Array {
  const hex = RUN_ID.exec(id)?.[1];
  if (!hex) throw new Error(`not a run id: ${id}`);
  return hexBytes(hex);
}

/** `value` as 6 bytes, big-endian (at most 2^48 - 1). */
function uint48(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 2 ** 48) throw new Error(`out of a link's range: ${value}`);
  return Uint8Array.from({ length: 6 }, (_, i) => Math.floor(value / 256 ** (5 - i)) % 256);
}

const readUint48 = (bytes: Uint8Array) => bytes.reduce((n, b) => n * 256 + b, 0);

/** A message id's 12 bytes and the token version that reads them back. */
function messageBytes(id: string): { version: (typeof VERSIONS)[number]; bytes: Uint8Array } {
  const ledger = parseLedgerMessageId(id);
  if (ledger) {
    const bytes = new Uint8Array(ID_BYTES);
    bytes.set(uint48(Number(ledger.runRef)));
    bytes.set(uint48(ledger.slot), 6);
    return { version: 3, bytes };
  }
  const [, time, random] = MESSAGE_ID.exec(id) ?? [];
  if (!time || !random) throw new Error(`not a message id: ${id}`);
  if (random.length === 12) return { version: 1, bytes: hexBytes(time + random) };
  const bytes = new Uint8Array(ID_BYTES);
  bytes.set(hexBytes(time));
  bytes.set(fromBase64Url(random) ?? [], 6);
  return { version: 2, bytes };
}

function messageIdOf(version: number, bytes: Uint8Array) {
  if (version === 3) return ledgerMessageId(String(readUint48(bytes.slice(0, 6))), readUint48(bytes.slice(6)));
  return version === 1 ? `msg_${toHex(bytes)}` : `msg_${toHex(bytes.slice(0, 6))}${toBase64Url(bytes.slice(6))}`;
}

async function mac(key: CryptoKey, head: Uint8Array, suffix: Uint8Array) {
  const signed = new Uint8Array(head.length + suffix.length);
  signed.set(head);
  signed.set(suffix, head.length);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, signed)).slice(0, MAC_BYTES);
}

export async function signLink(key: CryptoKey, ref: LinkRef): Promise<string> {
  const head = new Uint8Array(HEAD);
  const message = messageBytes(ref.messageId);
  head[0] = message.version;
  head.set(message.bytes, 1);
  head.set(runBytes(ref.runId), 1 + ID_BYTES);
  head[HEAD - 1] = ref.button;
  const suffix = encoder.encode(ref.suffix);
  const token = new Uint8Array(FIXED + suffix.length);
  token.set(head);
  token.set(await mac(key, head, suffix), HEAD);
  token.set(suffix, FIXED);
  return toBase64Url(token);
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) return null;
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** What a token names, or null when it is garbled, of another version, or its MAC does not match. */
export async function verifyLink(key: CryptoKey, token: string): Promise<LinkRef | null> {
  const bytes = token.length <= 4000 ? fromBase64Url(token) : null;
  const version = bytes?.[0];
  if (!bytes || bytes.length < FIXED || !VERSIONS.some((v) => v === version)) return null;
  const head = bytes.slice(0, HEAD);
  const suffix = bytes.slice(FIXED);
  const expected = await mac(key, head, suffix);
  if (!crypto.subtle.timingSafeEqual(expected, bytes.slice(HEAD, FIXED))) return null;
  let text: string;
  try {
    text = decoder.decode(suffix);
  } catch {
    return null;
  }
  return {
    messageId: messageIdOf(bytes[0] as number, head.slice(1, 1 + ID_BYTES)),
    runId: `run_${toHex(head.slice(1 + ID_BYTES, HEAD - 1))}`,
    button: head[HEAD - 1] ?? 0,
    suffix: text,
  };
}

/** The template's url buttons led through `<origin>/l/{{1}}`; the others as they are. */
export function trackedTemplateButtons(buttons: TemplateButton[], origin: string): TemplateButton[] {
  return buttons.map((b) =>
    b.type === "URL" ? { type: "URL", text: b.text, url: `${origin}${LINK_PATH}{{1}}`, example: EXAMPLE_TOKEN } : b,
  );
}

/** Where a click on button `index` goes: its url with the suffix in place of its `{group.field}`. */
export function destination(button: BroadcastButton | undefined, suffix: string): string | null {
  if (button?.type !== "url") return null;
  const variable = /\{[^{}]*\}$/.exec(button.url);
  if (variable) return button.url.slice(0, variable.index) + suffix;
  return suffix === "" ? button.url : null;
}

export interface LinkedRecipient {
  id: string;
  payload: TemplateMessage | null;
  skipReason: string | null;
}

/**
 * Fills each tracked url button of each recipient's message with its token, in place. `from` says
 * what the button's parameter holds now: the suffix (a page built from the audiences) or the token
 * of the message a retry re-sends, whose suffix is carried over under the new message's name. A
 * suffix too long for a link skips the recipient.
 */
export async function stampLinks(
  key: CryptoKey,
  buttons: BroadcastButton[],
  runId: string,
  recipients: LinkedRecipient[],
  from: "suffix" | "token",
): Promise<void> {
  const tracked = buttons.flatMap((b, i) => (b.type === "url" ? [i] : []));
  if (tracked.length === 0) return;
  await Promise.all(
    recipients.map(async (recipient) => {
      const message = recipient.payload;
      if (!message) return;
      const params: ButtonParameter[] = (message.buttons ?? []).filter(
        (p) => p.subType !== "url" || !tracked.includes(p.index),
      );
      for (const index of tracked) {
        const given = message.buttons?.find((p) => p.index === index && p.subType === "url");
        const text = given?.subType === "url" ? given.text : "";
        const suffix = from === "suffix" ? text : ((await verifyLink(key, text))?.suffix ?? "");
        if (encoder.encode(suffix).length > MAX_SUFFIX_BYTES) {
          recipient.payload = null;
          recipient.skipReason = `link_too_long:buttons.${index}`;
          return;
        }
        const token = await signLink(key, { messageId: recipient.id, runId, button: index, suffix });
        params.push({ index, subType: "url", text: token });
      }
      message.buttons = params.sort((a, b) => a.index - b.index);
    }),
  );
}
