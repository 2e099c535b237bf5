import { runInDurableObject } from "cloudflare:test";

// A Durable Object's SQLite refuses a string or BLOB over 2,000,000 bytes
// (developers.cloudflare.com/durable-objects/platform/limits/); workerd's local SQLite refuses the
// 101st bound parameter as production does, but takes a value of any length.
export const OBJECT_MAX_VALUE_BYTES = 2_000_000;

const GUARDED = Symbol.for("wa-campaigns.object-sql-limits");
const encoder = new TextEncoder();

/**
 * Makes every Durable Object's SQL in this isolate refuse a value production refuses, by wrapping
 * the `exec` their `ctx.storage.sql` share (`stub` is any SQLite-backed object, to reach it).
 */
export async function guardObjectSql(stub: DurableObjectStub): Promise<void> {
  await runInDurableObject(stub, (_: unknown, state: DurableObjectState) => {
    const proto = Object.getPrototypeOf(state.storage.sql) as SqlStorage & { [GUARDED]?: true };
    if (proto[GUARDED]) return;
    const exec = proto.exec;
    proto.exec = function (this: SqlStorage, query: string, ...bindings: unknown[]) {
      for (const value of bindings) {
        const bytes =
          typeof value === "string" && value.length * 3 > OBJECT_MAX_VALUE_BYTES
            ? encoder.encode(value).length
            : value instanceof ArrayBuffer
              ? value.byteLength
              : 0;
        if (bytes > OBJECT_MAX_VALUE_BYTES) {
          throw new Error(
            `string or blob too big: ${bytes} bytes in one value; an object allows ${OBJECT_MAX_VALUE_BYTES}`,
          );
        }
      }
      return exec.call(this, query, ...bindings);
    } as SqlStorage["exec"];
    proto[GUARDED] = true;
  });
}
