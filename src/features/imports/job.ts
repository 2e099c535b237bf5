import { and, eq } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { audiences, imports, variableGroups } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import { importBackoffSeconds } from "../../queues/backoff";
import type { ImportJob } from "../../queues/contracts";
import { sendJobs } from "../../queues/producers";
import { CsvRecordReader, type Newline, NotUtf8Error, newlineBefore, RecordTooLongError } from "./csv";
import { analyseHeader, type Layout } from "./header";
import { evaluateRow, PendingRows, type Reject } from "./rows";
import { failImport, type Position, saveBatch, type Targets } from "./save";
import { getImport, type ImportRow } from "./store";
import { MAX_LIST_BYTES } from "./writes";

// One chunk (one queue invocation) imports at most CHUNK_ROWS rows or runs CHUNK_MILLIS, then
// saves its position and queues the next chunk. Parsing and checking 50,000 numbers takes well
// under a second of CPU, far inside a queue consumer's 30 s default, and its writes are 5 batches;
// the time budget covers slow D1 round trips. A small chunk also means a retry redoes little.
export const CHUNK_ROWS = 50_000;
export const CHUNK_MILLIS = 15_000;
// One D1 batch holds the rows read since the last one: at most FLUSH_ROWS rows or FLUSH_BYTES of
// the file, whichever comes first, so that a file of wide rows holds no more in memory than one of
// narrow ones. Its statements (json_each lists, writes.ts), the rejects and the progress update are
// one transaction that applies whole or not at all (save.ts), so that the saved position always
// matches what was written.
export const FLUSH_ROWS = 2_500;
export const FLUSH_BYTES = 2 * 1024 * 1024;
// ...and at most BATCH_REQUEST_BYTES of rows' JSON in its D1 request (each statement that reads
// the rows carries their list). Larger batches mean fewer round trips, but a batch's lists and
// request text are alive while it is built and sent: V8 copies whatever is alive when it collects
// its young generation, and once it has copied as much as that generation holds, it doubles it for
// good (lists over 128 KiB, V8's large objects, go to the old generation at once). At 100 KB a
// 1,000,000-row import doubled it part-way and its heap's high-water mark grew by half; at 36 KB
// it keeps its first size, at 0.6x the rate of a raw insert (docs/benchmarks.md, import).
export const BATCH_REQUEST_BYTES = 36_000;
// R2 streams a file in small pieces (4 KiB locally): reading at least this much at a time into one
// reused buffer means fewer reads, for no more memory than the one buffer. Each read leaves a few
// objects that outlive the young generation: at 16 KiB, about 1.4 MiB of them per million rows.
export const READ_BYTES = 64 * 1024;
// A record longer than this is not a contact row; most likely a quote was left open.
export const MAX_RECORD_BYTES = 1024 * 1024;
// Every rejected row is counted; the first ones are kept with their line and reason.
export const MAX_STORED_REJECTS = 100_000;
export const MAX_ATTEMPTS = 8;

interface Deps {
  env: Env;
  db: Db;
  log: Logger;
}

class ImportFailure extends Error {}

/**
 * Imports one chunk of an upload. Returns the job for the next chunk, or null when there is none
 * (finished, failed, or another delivery of this job got there first).
 */
export async function runImportChunk(deps: Deps, job: ImportJob): Promise<ImportJob | null> {
  const { db, env } = deps;
  const row = await getImport(db, job.projectId, job.importId);
  if (!row || row.status === "completed" || row.status === "failed") return null;
  // A job from before jobs carried their offset belongs to whatever chunk is under way.
  if (job.offset !== undefined && job.offset !== row.chunkOffset) {
    deps.log.info("late copy of an import chunk; nothing to do", { importId: row.id, offset: job.offset });
    return null;
  }
  try {
    return await importChunk(deps, job, row);
  } catch (err) {
    if (!(err instanceof ImportFailure || err instanceof NotUtf8Error || err instanceof RecordTooLongError)) throw err;
    await failImport(db, env, row, row.chunkOffset, err.message);
    return null;
  }
}

async function importChunk(deps: Deps, job: ImportJob, row: ImportRow): Promise<ImportJob | null> {
  const { db, env } = deps;
  const started = Date.now();
  const chunkRows = Math.max(1, job.chunkRows ?? CHUNK_ROWS);
  const targets = await findTargets(db, row);
  if (row.status === "queued") {
    await db
      .update(imports)
      .set({ status: "running", updatedAt: started })
      .where(and(eq(imports.id, row.id), eq(imports.status, "queued")));
  }

  // Resuming: read from two bytes early, to learn the file's line break from the one just before.
  // A retry of a chunk whose first batches were saved resumes after them: its job still carries the
  // offset the chunk started from, which stays the import's chunkOffset until the chunk ends.
  const start = row.bytesRead;
  const lookBehind = Math.min(start, 2);
  const object = await env.FILES.get(row.r2Key, start > 0 ? { range: { offset: start - lookBehind } } : undefined);
  if (!object) throw new ImportFailure("the uploaded file is no longer stored; upload it again");
  const reader = object.body.getReader({ mode: "byob" });
  let buffer = new ArrayBuffer(READ_BYTES);

  let layout: Layout | null = null;
  if (start > 0) {
    const header = row.header as string[] | null;
    const analysed = header ? analyseHeader(header, row.kind) : null;
    if (!analysed?.ok) throw new ImportFailure("the import lost its header row; upload the file again");
    layout = analysed.layout;
  }
  const position: Position = {
    bytesRead: row.bytesRead,
    lines: row.lines,
    rowsDone: row.rowsDone,
    rowsRejected: row.rowsRejected,
    header: (row.header as string[] | null) ?? null,
  };
  let from = position.bytesRead;
  const pending = new PendingRows(MAX_LIST_BYTES);
  // An audience's rows are read by two statements (contacts, then members), a group's by one.
  const listReaders = (targets.audiencePk !== null ? 2 : 0) + (targets.groupPk !== null ? 1 : 0);
  const batchBytes = BATCH_REQUEST_BYTES / Math.max(1, listReaders);
  let rejects: Reject[] = [];
  let rowsThisChunk = 0;
  const state = { failure: null as string | null };

  const onRecord = (record: { cells: string[]; line: number; end: number; lines: number; unterminated: boolean }) => {
    position.bytesRead = record.end;
    position.lines = record.lines;
    if (layout === null) {
      if (record.cells.every((cell) => cell.trim() === "")) return true;
      const analysed = analyseHeader(record.cells, row.kind);
      if (!analysed.ok) {
        state.failure = analysed.error;
        return false;
      }
      layout = analysed.layout;
      position.header = record.cells.map((cell, i) => (i === 0 ? cell.replace(/^\uFEFF/, "") : cell));
      return true;
    }
    const outcome = evaluateRow(layout, record.cells, record.unterminated);
    if (outcome.kind === "blank") return true;
    rowsThisChunk += 1;
    if (outcome.kind === "accepted") {
      pending.add(outcome.row);
      position.rowsDone += 1;
    } else {
      if (position.rowsRejected < MAX_STORED_REJECTS) {
        rejects.push({ line: record.line, number: outcome.number, reason: outcome.reason });
      }
      position.rowsRejected += 1;
    }
    return (
      pending.size + rejects.length < FLUSH_ROWS &&
      pending.bytes < batchBytes &&
      position.bytesRead - from < FLUSH_BYTES &&
      rowsThisChunk < chunkRows
    );
  };

  const flush = async (final: boolean, endsChunk: boolean) => {
    const saved = await saveBatch(db, row, targets, {
      from,
      to: { ...position },
      rows: pending.lists(),
      fields: layout?.fields.map((field) => field.name) ?? [],
      rejects,
      endsChunk,
      final,
    });
    pending.clear();
    rejects = [];
    from = position.bytesRead;
    return saved;
  };

  const csv = new CsvRecordReader({
    offset: start,
    lines: row.lines,
    newline: null,
    maxRecordBytes: MAX_RECORD_BYTES,
  });
  let behind = new Uint8Array(0);
  let newline: Newline | null = null;
  try {
    for (;;) {
      const stopped = csv.read(onRecord);
      if (state.failure !== null) throw new ImportFailure(state.failure);
      const done = !stopped && csv.finished;
      if (stopped || done) {
        // Decided before the batch is written: the batch that ends a chunk records it.
        const chunkOver = done || rowsThisChunk >= chunkRows || Date.now() - started >= CHUNK_MILLIS;
        if (!(await flush(done, chunkOver))) return null;
        if (chunkOver) {
          deps.log.info("import chunk", { importId: row.id, rows: rowsThisChunk, bytesRead: from, done });
        }
        if (done) {
          await env.FILES.delete(row.r2Key);
          return null;
        }
        if (chunkOver) return { ...job, offset: from };
        continue;
      }
      const { value, done: ended } = await reader.readAtLeast(READ_BYTES, new Uint8Array(buffer));
      // The buffer comes back (transferred) holding the bytes read; the reader copies them out.
      if (value) buffer = value.buffer;
      let bytes = value && value.byteLength > 0 ? value : null;
      if (bytes !== null && behind.length < lookBehind) {
        const joined = new Uint8Array(behind.length + bytes.length);
        joined.set(behind);
        joined.set(bytes, behind.length);
        behind = joined.subarray(0, Math.min(lookBehind, joined.length));
        bytes = joined.subarray(behind.length);
      }
      if (behind.length < lookBehind && !ended) continue;
      if (lookBehind > 0 && newline === null) {
        newline = newlineBefore(behind);
        if (newline === null) throw new ImportFailure("the import's saved position is not at a record boundary");
        csv.useNewline(newline);
      }
      if (bytes !== null && bytes.length > 0) csv.push(bytes);
      if (ended) csv.push(null);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

async function findTargets(db: Db, row: ImportRow): Promise<Targets> {
  const targets: Targets = { audiencePk: null, groupPk: null };
  if (row.audienceId !== null) {
    const audience = await db
      .select({ pk: audiences.pk })
      .from(audiences)
      .where(and(eq(audiences.projectId, row.projectId), eq(audiences.id, row.audienceId)))
      .get();
    if (!audience) throw new ImportFailure(`audience ${row.audienceId} was deleted during the import`);
    targets.audiencePk = audience.pk;
  }
  if (row.groupId !== null) {
    const group = await db
      .select({ pk: variableGroups.pk })
      .from(variableGroups)
      .where(and(eq(variableGroups.projectId, row.projectId), eq(variableGroups.id, row.groupId)))
      .get();
    if (!group) throw new ImportFailure(`variable group ${row.groupId} was deleted during the import`);
    targets.groupPk = group.pk;
  }
  return targets;
}

const isImportJob = (body: unknown): body is ImportJob =>
  typeof body === "object" &&
  body !== null &&
  typeof (body as ImportJob).importId === "string" &&
  typeof (body as ImportJob).projectId === "string";

/** The `jobs` queue handler for kind "import": one chunk, then the next chunk queued. */
export async function handleImportMessage(message: Message<unknown>, deps: Deps) {
  const body = message.body;
  if (!isImportJob(body)) {
    deps.log.error("malformed import job", { messageId: message.id });
    message.ack();
    return;
  }
  try {
    const next = await runImportChunk(deps, body);
    if (next) await sendJobs(deps.env, [next]);
    message.ack();
  } catch (err) {
    if (message.attempts >= MAX_ATTEMPTS) {
      deps.log.error("import failed for good", { importId: body.importId, err });
      const row = await getImport(deps.db, body.projectId, body.importId);
      if (row) {
        const error = "the import stopped after repeated errors; upload the file again";
        await failImport(deps.db, deps.env, row, body.offset ?? row.chunkOffset, error);
      }
      message.ack();
      return;
    }
    deps.log.warn("import chunk failed; retrying", { importId: body.importId, attempts: message.attempts, err });
    message.retry({ delaySeconds: importBackoffSeconds(message.attempts) });
  }
}
