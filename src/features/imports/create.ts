import { and, eq, or } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { audiences, imports, variableGroups } from "../../platform/db/schema";
import { ApiError, fieldError } from "../../platform/errors";
import type { ImportJob } from "../../queues/contracts";
import { sendJobs } from "../../queues/producers";
import { ALL_AUDIENCE } from "../audiences/members";
import type { ImportKind, Layout } from "./header";
import type { R2PartWriter } from "./r2-writer";
import type { UploadFieldsInput } from "./schemas";
import { type ImportRow, r2KeyOf } from "./store";

export interface NewImport {
  projectId: string;
  importId: string;
  kind: ImportKind;
  fields: UploadFieldsInput;
  fieldsIn: "body" | "query";
  header: string[];
  layout: Layout;
  bytes: number;
  writer: R2PartWriter;
}

/**
 * Records a received upload: checks the targets, completes the R2 object, then writes the import
 * and the audience / variable group it fills in one batch, and queues its first chunk. Nothing is
 * written to D1 for a request that fails here; the R2 upload is aborted or the object deleted.
 */
export async function createImport(deps: { db: Db; env: Env }, input: NewImport): Promise<ImportRow> {
  const { db, env } = deps;
  const { projectId, importId, kind, fields } = input;
  const audienceId = kind === "audience" ? fields.id : (fields.audienceId ?? null);
  const groupId = kind === "variable_group" ? fields.id : null;
  const now = Date.now();
  const statements = [];

  if (audienceId !== null) {
    const field = kind === "audience" ? "id" : "audienceId";
    if (audienceId === ALL_AUDIENCE)
      throw fieldError(field, "`all` is reserved: it means every contact", input.fieldsIn);
    const name = kind === "audience" ? fields.name : audienceId;
    const rows = await db
      .select({ id: audiences.id, name: audiences.name, filter: audiences.filter })
      .from(audiences)
      .where(and(eq(audiences.projectId, projectId), or(eq(audiences.id, audienceId), eq(audiences.name, name))));
    const existing = rows.find((r) => r.id === audienceId);
    if (existing?.filter) {
      throw new ApiError("conflict", `audience ${audienceId} is a segment: its contacts come from its filter`);
    }
    if (!existing || kind === "audience") {
      const named = rows.find((r) => r.id !== audienceId && r.name === name);
      if (named) throw new ApiError("conflict", `another audience (${named.id}) is already named ${name}`);
    }
    const insert = db
      .insert(audiences)
      .values({ projectId, id: audienceId, name, description: null, filter: null, createdAt: now, updatedAt: now });
    // A variable-group import only adds members to its audience; an audience import also renames it.
    statements.push(
      kind === "audience"
        ? insert.onConflictDoUpdate({ target: [audiences.projectId, audiences.id], set: { name, updatedAt: now } })
        : insert.onConflictDoNothing(),
    );
  }

  if (groupId !== null) {
    const rows = await db
      .select({
        id: variableGroups.id,
        name: variableGroups.name,
        kind: variableGroups.kind,
        fields: variableGroups.fields,
      })
      .from(variableGroups)
      .where(
        and(
          eq(variableGroups.projectId, projectId),
          or(eq(variableGroups.id, groupId), eq(variableGroups.name, fields.name)),
        ),
      );
    const existing = rows.find((r) => r.id === groupId);
    if (existing?.kind === "input") {
      throw new ApiError(
        "conflict",
        `variable group ${groupId} collects button presses; values cannot be imported into it`,
      );
    }
    const named = rows.find((r) => r.id !== groupId && r.name === fields.name);
    if (named) throw new ApiError("conflict", `another variable group (${named.id}) is already named ${fields.name}`);
    const headerFields = input.layout.fields.map((f) => f.name);
    const merged = [...new Set([...((existing?.fields as string[] | undefined) ?? []), ...headerFields])];
    statements.push(
      db
        .insert(variableGroups)
        .values({
          projectId,
          id: groupId,
          name: fields.name,
          fields: headerFields,
          kind: "values",
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: [variableGroups.projectId, variableGroups.id],
          set: { name: fields.name, fields: merged, updatedAt: now },
        }),
    );
  }

  const object = await input.writer.complete();
  const row: ImportRow = {
    id: importId,
    projectId,
    kind,
    audienceId,
    groupId,
    r2Key: r2KeyOf(projectId, importId),
    status: "queued",
    error: null,
    header: input.header,
    bytesTotal: object.size,
    bytesRead: 0,
    chunkOffset: 0,
    lines: 0,
    rowsDone: 0,
    rowsRejected: 0,
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  };
  try {
    await db.batch([db.insert(imports).values(row), ...statements]);
  } catch (err) {
    await env.FILES.delete(row.r2Key);
    throw err;
  }
  // A crash before this send leaves the import queued; the every-minute sweep queues it (sweep.ts).
  const job: ImportJob = { kind: "import", importId, projectId, offset: 0 };
  try {
    await sendJobs(env, [job]);
  } catch (err) {
    await db
      .update(imports)
      .set({ status: "failed", error: "the import could not be queued; upload the file again", finishedAt: now })
      .where(eq(imports.id, importId));
    await env.FILES.delete(row.r2Key);
    throw err;
  }
  return row;
}
