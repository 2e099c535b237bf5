import { randomBytes, toBase64Url, toHex } from "./crypto";

/**
 * Public ids carry a prefix naming what they identify, so a misplaced id is obvious, and start
 * with the creation time in hex, so ordering by id lists things oldest first.
 */
export const newId = (prefix: "prj" | "key" | "tpl" | "msg" | "cmp" | "run" | "imp" | "dlq" | "med") =>
  `${prefix}_${Date.now().toString(16).padStart(12, "0")}${toHex(randomBytes(6))}`;

/** A new API key: 256 random bits. Only its hash is stored. */
export const newApiKey = () => `wak_${toBase64Url(randomBytes(32))}`;

export const API_KEY_PREFIX_LENGTH = 12;
