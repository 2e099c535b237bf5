import type { Db } from "./client";
import { inJsonList } from "./json-list";
import { runs } from "./schema";

/**
 * Marks runs as just looked at by a sweep (`swept_at`): sweeps take the runs looked at longest
 * ago first, so a pass that took its whole limit sends those to the back and every run gets its
 * turn. The ids travel as one JSON parameter (D1 binds at most 100).
 */
export const stampSwept = (db: Db, ids: string[], now: number) =>
  db.update(runs).set({ sweptAt: now }).where(inJsonList(runs.id, ids));
