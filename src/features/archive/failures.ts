import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { refOfRun, runFailed } from "../../platform/db/schema";
import { failureLabel } from "../../whatsapp/error-labels";
import { objectRunRef } from "../run-ledger/run-ref";
import { runMessages } from "./retarget";
import { archivedRun } from "./store";

// A run's failures grouped by Meta's error code, each with a plain label: what went wrong, and for
// how many recipients. The recipients behind a code are an audience away (retargeting with
// `outcome: failed` and `errorCode`) or in the details. A run still in D1 is counted by one
// grouped read of its failed messages (the run's failed-messages index holds only those); a run in
// the archive is read through once.

export interface FailureGroup {
  code: number | null;
  label: string;
  count: number;
}

function grouped(rows: { code: number | null; title: string | null; count: number }[]): FailureGroup[] {
  return rows
    .map((r) => ({ code: r.code, label: failureLabel(r.code, r.title), count: r.count }))
    .sort((a, b) => b.count - a.count || (a.code ?? -1) - (b.code ?? -1));
}

export async function runFailures(
  db: Db,
  env: Pick<Env, "FILES" | "RUN_LEDGER">,
  projectId: string,
  run: { id: string; campaignId: string },
): Promise<FailureGroup[]> {
  // Walked when its messages are not in D1: archived, or in the run's own object.
  const walked = (await archivedRun(db, projectId, run.id)) || (await objectRunRef(db, projectId, run.id)) !== null;
  if (!walked) {
    const rows = await db.all<{ code: number | null; title: string | null; count: number }>(sql`
      SELECT m.error_code AS code, max(m.error_title) AS title, count(*) AS count FROM messages m
      WHERE m.run_id = ${refOfRun(run.id)} AND ${runFailed("m")} AND m.project_id = ${projectId}
      GROUP BY m.error_code`);
    return grouped(rows);
  }
  const byCode = new Map<number | null, { code: number | null; title: string | null; count: number }>();
  for await (const batch of runMessages(db, env, projectId, run)) {
    for (const m of batch) {
      if (m.status !== "failed") continue;
      const group = byCode.get(m.errorCode) ?? { code: m.errorCode, title: m.errorTitle, count: 0 };
      group.count += 1;
      byCode.set(m.errorCode, group);
    }
  }
  return grouped([...byCode.values()]);
}
