import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { FLUSH_BYTES, runImportChunk } from "../../src/features/imports/job";
import { MAX_FIELDS, MAX_VALUE_LENGTH } from "../../src/features/variable-groups/schemas";
import { createDb } from "../../src/platform/db/client";
import type { ImportJob } from "../../src/queues/contracts";
import { newProject } from "../helpers";
import { getImportStatus, groupValues, log, stagedImport, storedRejects } from "./imports.helpers";

/** Runs an import's chunks one after the other, as the queue would; returns the D1 batches they sent. */
async function runCountingBatches(job: ImportJob) {
  let batches = 0;
  const d1 = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) => {
          batches += 1;
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  let next: ImportJob | null = job;
  while (next) next = await runImportChunk({ env, db: createDb(d1), log }, next);
  return batches;
}

// D1 takes at most 2,000,000 bytes in one bound value (test/d1-limits.ts makes the tests' D1 refuse
// more, as production does). A batch's rows travel as one JSON parameter per statement, so a
// statement must be cut by the bytes of its rows, not only by their count.

const FIELDS = Array.from({ length: MAX_FIELDS }, (_, i) => `field_${String(i).padStart(2, "0")}_${"x".repeat(52)}`);

describe("CSV imports at the largest rows a group accepts", { timeout: 60_000 }, () => {
  it("imports rows of 50 variables of 1,024 characters, several megabytes a batch", async () => {
    const p = await newProject();
    const rows = 60;
    const value = (row: number, field: number) => `${row}:${field}:`.padEnd(MAX_VALUE_LENGTH, "é");
    const lines = [`number,${FIELDS.join(",")}`];
    for (let r = 0; r < rows; r++) {
      lines.push(`+9198${String(r).padStart(8, "0")},${FIELDS.map((_, f) => value(r, f)).join(",")}`);
    }
    const csv = `${lines.join("\n")}\n`;
    const job = await stagedImport(p.id, csv, { kind: "variable_group", groupId: "wide" });
    const batches = await runCountingBatches(job);
    // 60 rows a batch would hold the whole file: a batch ends after FLUSH_BYTES of it instead.
    expect(batches).toBeGreaterThanOrEqual(Math.ceil(new TextEncoder().encode(csv).length / FLUSH_BYTES));

    expect((await getImportStatus(p.manager, job.importId)).body.import).toMatchObject({
      status: "completed",
      rowsDone: rows,
      rowsRejected: 0,
    });
    const values = await groupValues(p.id, "wide");
    expect(Object.keys(values)).toHaveLength(rows);
    expect(values["+919800000059"]).toEqual(Object.fromEntries(FIELDS.map((name, f) => [name, value(59, f)])));
  });

  it("stores rejects whose reasons name every missing variable, several megabytes a batch", async () => {
    const p = await newProject();
    const rows = 2_000;
    const lines = [`number,${FIELDS.join(",")}`];
    for (let r = 0; r < rows; r++) lines.push(`+9198${String(r).padStart(8, "0")}${",".repeat(MAX_FIELDS)}`);
    const job = await stagedImport(p.id, `${lines.join("\n")}\n`, { kind: "variable_group", groupId: "empty" });
    await runCountingBatches(job);

    expect((await getImportStatus(p.manager, job.importId)).body.import).toMatchObject({
      status: "completed",
      rowsDone: 0,
      rowsRejected: rows,
    });
    const rejects = await storedRejects(job.importId);
    expect(rejects).toHaveLength(rows);
    expect(rejects.at(-1)).toEqual({
      line: rows + 1,
      number: "+919800001999",
      reason: `missing value for ${FIELDS.join(", ")}`,
    });
  });
});
