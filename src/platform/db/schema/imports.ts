import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, updatedAt } from "./columns";
import { projectRef } from "./projects";

/** A CSV upload (kept in R2 under `r2Key`) and the progress of the job importing it. */
export const imports = sqliteTable(
  "imports",
  {
    id: text("id").primaryKey(),
    projectId: projectRef(),
    kind: text("kind", { enum: ["audience", "variable_group"] }).notNull(),
    // The customer's ids of the audience and/or variable group being filled.
    audienceId: text("audience_id"),
    groupId: text("group_id"),
    r2Key: text("r2_key").notNull(),
    status: text("status", { enum: ["uploading", "queued", "running", "completed", "failed"] }).notNull(),
    error: text("error"),
    // The header row as read (JSON string[]), once the first chunk has parsed it.
    header: text("header", { mode: "json" }),
    bytesTotal: integer("bytes_total"),
    // Offset just past the last record done: where the next chunk resumes.
    bytesRead: integer("bytes_read").notNull().default(0),
    // Offset the chunk under way started from, the one its job carries: a job carrying another is a
    // late copy of a finished chunk. Moves with bytesRead in the batch that ends a chunk.
    chunkOffset: integer("chunk_offset").notNull().default(0),
    // Lines consumed so far, so that reject line numbers stay right across chunks.
    lines: integer("lines").notNull().default(0),
    rowsDone: integer("rows_done").notNull().default(0),
    rowsRejected: integer("rows_rejected").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: integer("finished_at"),
  },
  (t) => [
    index("imports_project").on(t.projectId, t.createdAt),
    // The every-minute sweep looks for imports queued or running that stopped moving.
    index("imports_status_updated").on(t.status, t.updatedAt),
  ],
);

/** The rows an import could not take, with their line number and why. */
export const importRejects = sqliteTable(
  "import_rejects",
  {
    importId: text("import_id")
      .notNull()
      .references(() => imports.id, { onDelete: "cascade" }),
    line: integer("line").notNull(),
    number: text("number"),
    reason: text("reason").notNull(),
  },
  (t) => [primaryKey({ columns: [t.importId, t.line] })],
);
