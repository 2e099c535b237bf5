// D1's per-statement limits (developers.cloudflare.com/d1/platform/limits/): at most 100 bound
// parameters per query, 100,000 bytes of SQL per statement, and 2,000,000 bytes in one string or
// BLOB (a JSON list bound as one parameter counts here).
export const D1_MAX_BOUND_PARAMETERS = 100;
export const D1_MAX_STATEMENT_BYTES = 100_000;
export const D1_MAX_VALUE_BYTES = 2_000_000;

const GUARDED = Symbol.for("wa-campaigns.d1-limits");
const encoder = new TextEncoder();

/** Thrown where D1 itself would refuse the statement; the message names the limit. */
export class D1LimitError extends Error {}

/**
 * Makes every D1 statement prepared in this isolate refuse what production D1 refuses, by wrapping
 * the binding classes' `prepare` and `bind` (shared by every D1 binding object in the isolate:
 * the Worker's handlers, its consumers and its Durable Objects use the same classes).
 */
export function guardD1Limits(db: D1Database): void {
  const databaseProto = Object.getPrototypeOf(db) as D1Database & { [GUARDED]?: true };
  if (databaseProto[GUARDED]) return;
  const statementProto = Object.getPrototypeOf(db.prepare("SELECT 1")) as D1PreparedStatement;

  const prepare = databaseProto.prepare;
  databaseProto.prepare = function (this: D1Database, query: string) {
    const bytes = encoder.encode(query).length;
    if (bytes > D1_MAX_STATEMENT_BYTES) {
      throw new D1LimitError(
        `D1_ERROR: statement too long: ${bytes} bytes of SQL; D1 allows ${D1_MAX_STATEMENT_BYTES} per statement`,
      );
    }
    return prepare.call(this, query);
  };

  const bind = statementProto.bind;
  statementProto.bind = function (this: D1PreparedStatement, ...values: unknown[]) {
    if (values.length > D1_MAX_BOUND_PARAMETERS) {
      throw new D1LimitError(
        `D1_ERROR: too many SQL variables: ${values.length} bound; D1 allows ${D1_MAX_BOUND_PARAMETERS} per statement`,
      );
    }
    for (const value of values) {
      // A string of n characters is at most 3n bytes of UTF-8: only long ones are measured.
      const bytes =
        typeof value === "string" && value.length * 3 > D1_MAX_VALUE_BYTES
          ? encoder.encode(value).length
          : value instanceof ArrayBuffer || ArrayBuffer.isView(value)
            ? value.byteLength
            : 0;
      if (bytes > D1_MAX_VALUE_BYTES) {
        throw new D1LimitError(
          `D1_ERROR: string or blob too big: ${bytes} bytes in one value; D1 allows ${D1_MAX_VALUE_BYTES}`,
        );
      }
    }
    return bind.apply(this, values);
  };
  databaseProto[GUARDED] = true;
}
