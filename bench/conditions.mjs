import { cpus, totalmem } from "node:os";

/** The machine and runtime a figure was measured on, printed beside every table. */
export function conditions(extra = {}) {
  const cpu = cpus();
  return {
    machine: `${cpu[0]?.model ?? "unknown CPU"} × ${cpu.length}`,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    runtime: "workerd via Miniflare API (no dev proxy), local D1/R2/Queues/DO",
    ...extra,
  };
}
