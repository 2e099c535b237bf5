import { desc, gt, lt } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { storageSamples } from "../../platform/db/schema";
import { GROWTH_WINDOW_MS, type SizeSample } from "./growth";

const HOUR_MS = 3_600_000;
// A month of hourly readings: more than the growth window needs, few enough to read in one page.
const KEEP_MS = 31 * 24 * HOUR_MS;

/**
 * Keeps `bytes` as the reading of the current hour (the last one of the hour wins) and drops
 * readings older than a month. Returns whether this was the hour's first reading.
 */
export async function recordSample(db: Db, bytes: number, at: number): Promise<boolean> {
  const hour = Math.floor(at / HOUR_MS);
  const [existing] = await db.batch([
    db
      .select({ hour: storageSamples.hour })
      .from(storageSamples)
      .where(gt(storageSamples.hour, hour - 1))
      .limit(1),
    db
      .insert(storageSamples)
      .values({ hour, bytes, at })
      .onConflictDoUpdate({ target: storageSamples.hour, set: { bytes, at } }),
    db.delete(storageSamples).where(lt(storageSamples.hour, Math.floor((at - KEEP_MS) / HOUR_MS))),
  ]);
  return existing.length === 0;
}

/** The readings of the growth window, oldest first. */
export async function recentSamples(db: Db, now: number): Promise<SizeSample[]> {
  const rows = await db
    .select({ at: storageSamples.at, bytes: storageSamples.bytes })
    .from(storageSamples)
    .where(gt(storageSamples.hour, Math.floor((now - GROWTH_WINDOW_MS) / HOUR_MS)))
    .orderBy(desc(storageSamples.hour))
    .limit(24 * 8)
    .all();
  return rows.reverse();
}
