// The storage benchmark's conditions, read from the environment by its vitest config (Node side)
// and handed to the test inside workerd through vitest's provide/inject.

export interface StorageScenario {
  /** Messages taken through their whole lifecycle, for each shape (API campaign, broadcast). */
  messages: number;
  /** Queued backlogs at which one sends-consumer batch's reads are measured. */
  claimBacklogs: number[];
  /** Print each shape's costliest statements (BENCH_STORAGE_BY_SQL=1): where a message's rows go. */
  bySql: boolean;
  /** The shapes measured (BENCH_STORAGE_SHAPES, comma-separated; all four by default). */
  shapes: StorageShape[];
}

export const STORAGE_SHAPES = ["api", "api-object", "broadcast", "broadcast-object"] as const;
export type StorageShape = (typeof STORAGE_SHAPES)[number];

declare module "vitest" {
  export interface ProvidedContext {
    storageScenario: StorageScenario;
  }
}

function whole(raw: string | undefined, name: string, fallback: number) {
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole number above 0, got "${raw}"`);
  return value;
}

export function storageScenario(vars: Record<string, string | undefined>): StorageScenario {
  const backlogs = (vars.BENCH_STORAGE_CLAIM_BACKLOGS ?? "1000,10000").split(",");
  return {
    messages: whole(vars.BENCH_STORAGE_MESSAGES, "BENCH_STORAGE_MESSAGES", 100_000),
    claimBacklogs: backlogs.map((b) => whole(b.trim(), "BENCH_STORAGE_CLAIM_BACKLOGS", 1000)),
    bySql: vars.BENCH_STORAGE_BY_SQL === "1",
    shapes: (vars.BENCH_STORAGE_SHAPES ?? STORAGE_SHAPES.join(",")).split(",").map((raw) => {
      const shape = raw.trim() as StorageShape;
      if (!STORAGE_SHAPES.includes(shape)) {
        throw new Error(`BENCH_STORAGE_SHAPES names "${raw}"; the shapes are ${STORAGE_SHAPES.join(", ")}`);
      }
      return shape;
    }),
  };
}
