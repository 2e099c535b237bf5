import { type SQL, sql } from "drizzle-orm";
import { toBase64Url } from "../../platform/crypto";
import type { Db } from "../../platform/db/client";
import { payloadBases } from "../../platform/db/schema";
import type { OutboundMessage } from "../../whatsapp/provider";

// A message's payload is stored in two parts: what every message of a campaign shares (template,
// header, buttons) once, in payload_bases, and on the message row only what its own message adds —
// an RFC 7396 merge patch against that base, usually just the body values. The recipient is not
// stored twice: the base is completed with the row's number before the patch applies. A broadcast
// message's payload went from ~300 bytes to ~20, an API message's from ~110 to ~25.
//
// Writers need no coordination: a base is named by a hash of the project and its content, so every
// batch inserts the bases it needs (a conflict is a no-op) and each row joins the base by that name.
// A row whose base is not in the table when it is written keeps its whole message instead, so a
// base a writer believed present (see `knownBases`) can never leave a row without its payload.
// Readers decode in SQL with SQLite's own json_patch (`storedPayload`), in the statement that
// already reads the row: the claim costs no extra round trip.

/** Fields that differ from one recipient to the next, kept on the row rather than in the base. */
const OWN_FIELDS = new Set(["to", "body"]);

// A template without body variables gives every message the same empty body: it goes in the base,
// so such a message's own part is `{}`, where `{"body":[]}` cost 9 bytes more on every row.
const sharedField = (key: string, value: unknown) =>
  !OWN_FIELDS.has(key) || (key === "body" && Array.isArray(value) && value.length === 0);

// A url button's parameter (a per-recipient suffix, a tracked link's token) differs from one message
// to the next: such a message keeps its buttons on its row, else every message would get its own base.
const ownButtons = (message: JsonObject) =>
  Array.isArray(message.buttons) && message.buttons.some((b) => isObject(b) && b.subType === "url");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** The RFC 7396 merge patch that turns `base` into `target` (objects merge, anything else replaces). */
function diff(base: JsonObject, target: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const [key, value] of Object.entries(target)) {
    const before = base[key];
    if (isObject(value) && isObject(before)) {
      const inner = diff(before, value);
      if (Object.keys(inner).length > 0) patch[key] = inner;
    } else if (JSON.stringify(value) !== JSON.stringify(before)) {
      patch[key] = value;
    }
  }
  for (const key of Object.keys(base)) if (!(key in target)) patch[key] = null;
  return patch;
}

/** RFC 7396 applied, as SQLite's json_patch does: a null removes the member. */
export function mergePatch(base: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(base) ? { ...base } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key] ?? null, value);
  }
  return out;
}

/**
 * One message as its row is written: its base's key and its patch, or (base null) the whole message.
 * `whole` rides along when the base is not inserted by the same batch, in case it is not there.
 */
export interface StoredMessage {
  base: string | null;
  patch: JsonObject;
  whole?: JsonObject;
}

/** Bases of this isolate already written to D1: their insert is skipped (a base is never deleted). */
const knownBases = new Set<string>();
const KNOWN_LIMIT = 10_000;

/**
 * Splits each message of one project into its base and its own part. Returns each row's stored
 * form (null for no payload) and, when a base is new to this isolate, the statement inserting the
 * bases, to run in the same batch before the rows that point at them.
 */
export async function sharePayloads(
  db: Db,
  projectId: string,
  rows: { number: string; payload: OutboundMessage | null }[],
) {
  const keyOf = new Map<string, string>();
  const fresh: [string, string][] = [];
  const stored = [] as (StoredMessage | null)[];
  for (const { number, payload } of rows) {
    if (payload === null) {
      stored.push(null);
      continue;
    }
    // A JSON round trip drops undefined members, as storing the message always did.
    const message = JSON.parse(JSON.stringify(payload)) as JsonObject;
    const shared: JsonObject = {};
    const own = ownButtons(message);
    for (const [key, value] of Object.entries(message)) {
      if (sharedField(key, value) && !(own && key === "buttons")) shared[key] = value;
    }
    const body = JSON.stringify(shared);
    let key = keyOf.get(body);
    if (key === undefined) {
      key = await baseKey(projectId, body);
      keyOf.set(body, key);
      if (!knownBases.has(key)) fresh.push([key, body]);
    }
    const start = { ...shared, to: number };
    const patch = diff(start, message);
    // A null of its own (`to`, `body`) would read as a removal in a patch: such a message is stored whole.
    if (canonical(mergePatch(start, patch)) !== canonical(message)) stored.push({ base: null, patch: message });
    else if (knownBases.has(key)) stored.push({ base: key, patch, whole: message });
    else stored.push({ base: key, patch });
  }
  // Every base of the page, [key, body], for a ledger that keeps its own (src/features/run-ledger).
  const bases = [...keyOf].map(([body, key]): [string, string] => [key, body]);
  return { stored, bases, insertBases: fresh.length > 0 ? insertBases(db, fresh) : null };
}

/** Marks the bases of `stored` as written, once the batch inserting them committed. */
export function rememberBases(stored: (StoredMessage | null)[]) {
  if (knownBases.size > KNOWN_LIMIT) knownBases.clear();
  for (const s of stored) if (s?.base) knownBases.add(s.base);
}

/** JSON with every object's members in key order, to compare values whatever their members' order. */
function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (!isObject(value)) return JSON.stringify(value);
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k] as Json)}`).join(",")}}`;
}

async function baseKey(projectId: string, body: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${projectId}\n${body}`));
  // 128 bits: a collision would send one campaign's template for another's.
  return toBase64Url(new Uint8Array(digest).slice(0, 16));
}

function insertBases(db: Db, bases: [string, string][]) {
  return db
    .insert(payloadBases)
    .select(
      sql`SELECT NULL, j.value ->> '$[0]', j.value ->> '$[1]' FROM json_each(${JSON.stringify(bases)}) j WHERE true`,
    )
    .onConflictDoNothing();
}

/**
 * The columns a row written from a `StoredMessage` gets, as SQL over a JSON value `v` holding it at
 * `path` (or null there: no payload): payload_base is the base's id when the base is in the table,
 * and payload the patch; a base missing from the table gives the whole message and no base.
 */
export function storedColumns(v: SQL, path: string) {
  const at = (member: string) => sql.raw(`'${path}.${member}'`);
  const base = sql`(SELECT b.id FROM payload_bases b WHERE b.key = ${v} ->> ${at("base")})`;
  return {
    payload: sql`iif(${v} ->> ${at("base")} IS NOT NULL AND ${base} IS NULL, ${v} -> ${at("whole")}, ${v} -> ${at("patch")})`,
    payloadBase: base,
  };
}

/**
 * A message row's whole payload as JSON text (`table`: the name or alias the query gives
 * messages): its patch applied to its base completed with the recipient's number.
 */
export const storedPayload = (table = "messages") =>
  sql.raw(
    `CASE WHEN ${table}.payload_base IS NULL THEN ${table}.payload ELSE json_patch(json_set((SELECT b.body FROM payload_bases b WHERE b.id = ${table}.payload_base), '$.to', ${table}.number), ${table}.payload) END`,
  );
