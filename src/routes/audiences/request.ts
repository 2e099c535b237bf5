import { decodeCursor } from "../../http/pagination";
import { fieldError } from "../../lib/errors";

/** A cursor of a keyset page, reported against where it came from (query or body) when bad. */
export function cursorOf<T extends "string" | "number">(cursor: string | undefined, kind: T, where: "query" | "body") {
  try {
    return decodeCursor(cursor, kind);
  } catch {
    throw fieldError("cursor", "is not a cursor this API returned", where);
  }
}
