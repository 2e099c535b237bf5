// D1 reports the database's size with every statement's result (`meta.size_after`, in bytes); a
// database stops taking writes at its plan's ceiling (10 GB on Workers Paid, not raisable).
export const D1_MAX_BYTES = 10 * 1000 ** 3;

/** The database's size now, in bytes, as D1 itself counts it. */
export async function databaseBytes(d1: D1Database | D1DatabaseSession): Promise<number> {
  const { meta } = await d1.prepare("SELECT 1").run();
  const size = (meta as { size_after?: unknown }).size_after;
  if (typeof size !== "number") throw new Error("D1 did not report the database's size (meta.size_after)");
  return size;
}
