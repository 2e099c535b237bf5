// CSV imports against a raw baseline, in one run. A CSV of BENCH_IMPORT_SMALL_ROWS rows, then one of
// BENCH_IMPORT_ROWS rows (number + 2 variables), each streamed to the upload route of a fresh Worker
// and imported by the jobs-queue consumer to the end, while the Worker isolate's heap is watched
// (import/gc-trace.mjs, import/heap.mjs); then the same large set of rows inserted straight into D1
// (import/raw.mjs).
import { readdirSync, readFileSync } from "node:fs";
import { conditions } from "./conditions.mjs";
import { collectGcTrace, GC_TRACE_FLAGS } from "./import/gc-trace.mjs";
import { sampleHeap } from "./import/heap.mjs";
import { insertRaw } from "./import/raw.mjs";
import { csvStream } from "./import/rows.mjs";
import { until } from "./poll.mjs";
import { createProject, startWorker } from "./worker.mjs";

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
const SMALL_ROWS = Number(process.env.BENCH_IMPORT_SMALL_ROWS ?? 100_000);
const WORKER = "wa-campaigns";

/** The workerd process Miniflare started for this benchmark (a child of this process). */
function workerdPid() {
  const pid = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .find((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return ppid === process.pid && stat.includes("(workerd)");
      } catch {
        return false;
      }
    });
  if (!pid) throw new Error("workerd process not found");
  return pid;
}

const peakRssKiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmHWM:\s+(\d+) kB/m)?.[1] ?? 0);

// Chunk ends are counted from the Worker's own "import chunk" log line (LOG_LEVEL info), which
// workerd writes to this process's stdout; other log lines, and its GC trace (import/gc-trace.mjs),
// are kept off the benchmark's output.
function countChunkLogs(trace) {
  const write = process.stdout.write.bind(process.stdout);
  const counter = { chunks: 0, restore: () => (process.stdout.write = write) };
  process.stdout.write = (chunk, ...rest) => {
    const text = trace.take(String(chunk));
    if (text === "") return true;
    if (!text.includes('"level"')) return write(text, ...rest);
    counter.chunks += text.split("\n").filter((line) => line.includes('"msg":"import chunk"')).length;
    return true;
  };
  return counter;
}

/** The GC trace's high-water mark, once the heap snapshot's collections have come through. */
async function gcPeak(trace) {
  await until(async () => trace.peak() !== null, { everyMs: 50, timeoutMs: 10_000 });
  const peak = trace.peak();
  if (!peak) throw new Error("no GC trace of the heap snapshot arrived from workerd");
  return peak;
}

/** One import of `rows` rows on a fresh Worker, its isolate's heap sampled from before the upload. */
async function importOnce(rows) {
  const trace = collectGcTrace();
  const logs = countChunkLogs(trace);
  process.env.MINIFLARE_WORKERD_V8_FLAGS = GC_TRACE_FLAGS;
  const { mf, url, inspector } = await startWorker({ bindings: { LOG_LEVEL: "info" }, inspect: true });
  delete process.env.MINIFLARE_WORKERD_V8_FLAGS;
  try {
    const { key } = await createProject(url);
    const heap = await sampleHeap(inspector, WORKER);
    const started = performance.now();
    const response = await fetch(`${url}/v1/create/variable/group/from/file?id=bench&name=bench`, {
      method: "POST",
      headers: { authorization: key, "content-type": "text/csv" },
      body: csvStream(rows),
      duplex: "half",
    });
    const accepted = await response.json();
    if (response.status !== 202) throw new Error(`upload failed: ${response.status} ${JSON.stringify(accepted)}`);
    const uploadMs = performance.now() - started;
    let status = accepted.import;
    await until(
      async () => {
        const body = await (await fetch(`${url}/v1/imports/${status.id}`, { headers: { authorization: key } })).json();
        status = body.import;
        return ["completed", "failed"].includes(status.status);
      },
      { everyMs: 100, timeoutMs: 60 * 60_000 },
    );
    const importMs = performance.now() - started - uploadMs;
    const { start, peak, live } = await heap.stop();
    const gc = await gcPeak(trace);
    if (status.status !== "completed") throw new Error(`import did not complete: ${JSON.stringify(status)}`);
    if (status.rowsDone !== rows) throw new Error(`imported ${status.rowsDone} rows, not ${rows}`);
    return {
      rows,
      fileBytes: status.bytesTotal,
      uploadMs,
      importMs,
      chunks: logs.chunks,
      rejected: status.rowsRejected,
      heapStart: start.used,
      // The high-water mark: V8's figure before each collection, or a sample if one was higher.
      heapPeak: Math.max(gc.used, peak.used),
      heapSampledPeak: peak.used,
      gcCollections: gc.collections,
      youngMax: gc.youngMax,
      heapLive: live,
      buffersPeak: peak.buffers,
      heapSamples: peak.samples,
      workerdPeakRssKiB: peakRssKiB(workerdPid()),
    };
  } finally {
    logs.restore();
    await mf.dispose();
  }
}

/** The same rows inserted straight into D1 through the binding, on a fresh Worker. */
async function rawOnce(rows) {
  const { mf, url } = await startWorker({ consumers: false });
  try {
    const { projectId } = await createProject(url);
    return await insertRaw(await mf.getD1Database("DB"), projectId, rows);
  } finally {
    await mf.dispose();
  }
}

const MiB = 1024 * 1024;
const round3 = (x) => Math.round(x * 1000) / 1000;
const mib = (bytes) => Math.round((bytes / MiB) * 10) / 10;

export async function run() {
  const small = await importOnce(SMALL_ROWS);
  const large = await importOnce(ROWS);
  const rawMs = await rawOnce(ROWS);
  const perSec = (rows, ms) => Math.round(rows / (ms / 1000));
  const rowsPerSec = perSec(large.rows, large.importMs);
  const rawRowsPerSec = perSec(ROWS, rawMs);
  const table = (r) => ({
    rows: r.rows,
    "file MB": (r.fileBytes / 1e6).toFixed(1),
    "upload s": (r.uploadMs / 1000).toFixed(1),
    "import s": (r.importMs / 1000).toFixed(1),
    "rows/s (import)": perSec(r.rows, r.importMs),
    "rows/s (end to end)": perSec(r.rows, r.uploadMs + r.importMs),
    chunks: r.chunks,
    "heap at start MiB": mib(r.heapStart),
    "buffers peak MiB": mib(r.buffersPeak),
    "heap high-water MiB": mib(r.heapPeak),
    "heap peak sampled MiB": mib(r.heapSampledPeak),
    "young gen max MiB": mib(r.youngMax),
    "heap after full GC MiB": mib(r.heapLive),
    "workerd VmHWM MiB": Math.round(r.workerdPeakRssKiB / 1024),
  });
  return {
    title: "CSV import (upload to R2, jobs-queue consumer to completion) vs the same rows inserted straight into D1",
    rows: [
      table(small),
      table(large),
      { rows: ROWS, "import s": (rawMs / 1000).toFixed(1), "rows/s (import)": rawRowsPerSec, chunks: "raw D1 insert" },
    ],
    result: {
      rows: ROWS,
      smallRows: SMALL_ROWS,
      rowsPerSec,
      rawRowsPerSec,
      rawRatio: round3(rowsPerSec / rawRowsPerSec),
      heapPeakMiB100k: mib(small.heapPeak),
      heapPeakMiB1M: mib(large.heapPeak),
      heapRatio: round3(large.heapPeak / small.heapPeak),
      heapLiveMiB100k: mib(small.heapLive),
      heapLiveMiB1M: mib(large.heapLive),
      buffersPeakMiB100k: mib(small.buffersPeak),
      buffersPeakMiB1M: mib(large.buffersPeak),
      heapStartMiB1M: mib(large.heapStart),
      heapSampledPeakMiB100k: mib(small.heapSampledPeak),
      heapSampledPeakMiB1M: mib(large.heapSampledPeak),
      youngGenMaxMiB100k: mib(small.youngMax),
      youngGenMaxMiB1M: mib(large.youngMax),
      gcCollections1M: large.gcCollections,
      heapSamples1M: large.heapSamples,
      fileBytes: large.fileBytes,
      uploadMs: Math.round(large.uploadMs),
      importMs: Math.round(large.importMs),
      rawMs: Math.round(rawMs),
      rowsPerSecEndToEnd: perSec(large.rows, large.uploadMs + large.importMs),
      chunks: large.chunks,
      rejected: large.rejected,
      workerdPeakRssKiB: large.workerdPeakRssKiB,
    },
    conditions: conditions({
      "memory measured":
        "the Worker isolate's used heap, garbage included, from just before the upload to the import's end: its high-water mark is the highest of V8's own figure at the start of each collection (workerd run with --trace-gc-nvp) and of Runtime.getHeapUsage over the inspector (asked every 20 ms, answered between the isolate's tasks, about once per chunk); after the import, once more following a full collection; each import on a fresh Worker",
      "raw baseline":
        "variable_values rows inserted through the D1 binding: 10,000 rows per json_each statement, 2 statements per batch, 2 batches in flight",
      queue: "local Queues, jobs consumer max_batch_timeout 0, one consumer invocation at a time",
    }),
  };
}
