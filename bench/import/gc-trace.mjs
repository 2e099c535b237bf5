// The heap's high-water mark, from V8 itself. Asked over the inspector, the isolate answers only
// between its tasks — about once per import chunk — so samples land wherever the young generation
// happens to be at a chunk's end, and a small import has only a few of them. The used heap is
// highest just before each collection, and V8 reports that figure for every collection when
// workerd runs with `--trace-gc-nvp` (Miniflare passes MINIFLARE_WORKERD_V8_FLAGS to workerd).
// workerd writes the trace to its stdout for all its isolates (the Worker's, and those of local
// D1, R2 and Queues); the Worker's is the one the heap snapshot taken over the Worker's inspector
// collects with reason "heap profiler". Collections before that snapshot are the import's.

export const GC_TRACE_FLAGS = "--trace-gc-nvp";

/** Collects workerd's GC trace lines from this process's stdout, keeping them off the output. */
export function collectGcTrace() {
  const events = [];
  let partial = "";
  return {
    events,
    /** Takes a piece of workerd's stdout; returns what is not GC trace, to be written as before. */
    take(text) {
      const lines = (partial + text).split("\n");
      partial = lines.pop() ?? "";
      const rest = [];
      for (const line of lines) {
        const at = line.indexOf("GC: {");
        if (at !== -1) {
          const isolate = line.match(/:(0x[0-9a-f]+)/)?.[1];
          events.push({ isolate, ...JSON.parse(line.slice(at + 4)) });
        } else if (!line.includes("Memory pool:")) rest.push(line);
      }
      return rest.length > 0 ? `${rest.join("\n")}\n` : "";
    },
    /**
     * The Worker isolate's highest used heap at the start of a collection before its heap
     * snapshot, and how many collections that was; null until the snapshot's trace has arrived
     * (workerd's stdout is buffered).
     */
    peak() {
      const snapshot = events.find((e) => e.reason === "heap profiler");
      if (!snapshot) return null;
      const before = events.slice(0, events.indexOf(snapshot)).filter((e) => e.isolate === snapshot.isolate);
      return {
        used: Math.max(0, ...before.map((e) => e.start_object_size)),
        collections: before.length,
        youngMax: Math.max(0, ...before.map((e) => e.new_space_capacity)),
      };
    },
  };
}
