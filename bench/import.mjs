// A CSV of BENCH_IMPORT_ROWS rows (number + 2 variables) streamed to the upload route, then
// imported by the jobs-queue consumer to the end: rows/s, chunks, and workerd's peak memory.
import { readdirSync, readFileSync } from "node:fs";
import { conditions } from "./conditions.mjs";
import { until } from "./poll.mjs";
import { createProject, startWorker } from "./worker.mjs";

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
const BATCH_ROWS = 10_000;

/** The CSV, generated as it is sent: the benchmark holds one batch of rows at a time. */
function csvStream(rows) {
  const encoder = new TextEncoder();
  let next = 0;
  return new ReadableStream({
    pull(controller) {
      if (next === 0) controller.enqueue(encoder.encode("number,first_name,city\n"));
      if (next >= rows) return controller.close();
      const end = Math.min(rows, next + BATCH_ROWS);
      let text = "";
      for (let i = next; i < end; i++) text += `+9198${String(i).padStart(8, "0")},Name${i},City${i % 97}\n`;
      next = end;
      controller.enqueue(encoder.encode(text));
    },
  });
}

/** The workerd processes Miniflare started for this benchmark (children of this process). */
function workerdPids() {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        return ppid === process.pid && stat.includes("(workerd)");
      } catch {
        return false;
      }
    });
}

const statusKiB = (pid, field) => {
  const match = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  return match ? Number(match[1]) : 0;
};

// Chunk ends are counted from the Worker's own "import chunk" log line (LOG_LEVEL info), which
// workerd writes to this process's stdout; other log lines are kept off the benchmark's output.
function countChunkLogs() {
  const write = process.stdout.write.bind(process.stdout);
  const counter = { chunks: 0, restore: () => (process.stdout.write = write) };
  process.stdout.write = (chunk, ...rest) => {
    const text = String(chunk);
    if (!text.includes('"level"')) return write(chunk, ...rest);
    counter.chunks += text.split("\n").filter((line) => line.includes('"msg":"import chunk"')).length;
    return true;
  };
  return counter;
}

export async function run() {
  const logs = countChunkLogs();
  const { mf, url } = await startWorker({ bindings: { LOG_LEVEL: "info" } });
  try {
    const [pid] = workerdPids();
    if (!pid) throw new Error("workerd process not found");
    const { key } = await createProject(url);
    const baselineKiB = statusKiB(pid, "VmRSS");
    let sampledPeakKiB = baselineKiB;
    const sampler = setInterval(() => {
      sampledPeakKiB = Math.max(sampledPeakKiB, statusKiB(pid, "VmRSS"));
    }, 100);

    const started = performance.now();
    const response = await fetch(`${url}/v1/create/variable/group/from/file?id=bench&name=bench`, {
      method: "POST",
      headers: { authorization: key, "content-type": "text/csv" },
      body: csvStream(ROWS),
      duplex: "half",
    });
    const accepted = await response.json();
    if (response.status !== 202) throw new Error(`upload failed: ${response.status} ${JSON.stringify(accepted)}`);
    const uploadMs = performance.now() - started;

    let status = accepted.import;
    await until(
      async () => {
        status = (await (await fetch(`${url}/v1/imports/${status.id}`, { headers: { authorization: key } })).json())
          .import;
        return ["completed", "failed"].includes(status.status);
      },
      { everyMs: 500, timeoutMs: 60 * 60_000 },
    );
    const importMs = performance.now() - started - uploadMs;
    clearInterval(sampler);
    if (status.status !== "completed") throw new Error(`import did not complete: ${JSON.stringify(status)}`);
    const peakKiB = statusKiB(pid, "VmHWM");
    const mib = (kib) => `${(kib / 1024).toFixed(0)} MiB`;
    const rowsPerSecImport = Math.round(ROWS / (importMs / 1000));
    const rowsPerSecEndToEnd = Math.round(ROWS / ((uploadMs + importMs) / 1000));
    return {
      title: "CSV import: upload to R2, then the jobs-queue consumer to completion",
      rows: [
        {
          rows: ROWS,
          "file MB": (status.bytesTotal / 1e6).toFixed(1),
          "upload s": (uploadMs / 1000).toFixed(1),
          "import s": (importMs / 1000).toFixed(1),
          "rows/s (import)": rowsPerSecImport,
          "rows/s (end to end)": rowsPerSecEndToEnd,
          chunks: logs.chunks,
          imported: status.rowsDone,
          rejected: status.rowsRejected,
          "workerd RSS before": mib(baselineKiB),
          "workerd RSS peak (sampled)": mib(sampledPeakKiB),
          "workerd VmHWM": mib(peakKiB),
        },
      ],
      result: {
        rows: ROWS,
        fileBytes: status.bytesTotal,
        uploadMs: Math.round(uploadMs),
        importMs: Math.round(importMs),
        rowsPerSecImport,
        rowsPerSecEndToEnd,
        chunks: logs.chunks,
        imported: status.rowsDone,
        rejected: status.rowsRejected,
        rssBeforeKiB: baselineKiB,
        rssPeakSampledKiB: sampledPeakKiB,
        peakRssKiB: peakKiB,
      },
      conditions: conditions({
        "memory measured":
          "RSS of the one workerd process: the Worker's isolate plus Miniflare's local D1, R2 and Queues, which run in the same process",
        queue: "local Queues (batch timeout 1 s between chunks), one consumer invocation at a time",
      }),
    };
  } finally {
    logs.restore();
    await mf.dispose();
  }
}
