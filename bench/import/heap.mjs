// The Worker isolate's own memory, read over workerd's inspector (Chrome DevTools protocol):
// `Runtime.getHeapUsage` every few milliseconds. Unlike the workerd process's RSS, this leaves out
// Miniflare's local D1, R2 and Queues, which run in the same process but in isolates of their own.

/** The inspector target of the Worker named `name` (workerd lists it as "core:user:<name>"). */
async function targetOf(inspector, name) {
  const list = await (await fetch(`${inspector.replace(/^ws:/, "http:")}/json/list`)).json();
  const target = list.find((t) => t.id === `core:user:${name}`);
  if (!target) throw new Error(`no inspector target for worker ${name}: ${list.map((t) => t.id).join(", ")}`);
  return target.webSocketDebuggerUrl;
}

/**
 * Samples the isolate's heap until `stop()`, which returns the peaks in bytes: `used` (live and
 * not yet collected objects on V8's heap) and `buffers` (ArrayBuffer backing stores, outside it),
 * and `live`, the heap after a full collection once sampling stopped.
 */
export async function sampleHeap(inspector, name, everyMs = 20) {
  const socket = new WebSocket(await targetOf(inspector, name));
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error("could not connect to the Worker's inspector"));
  });
  let nextId = 0;
  const waiting = new Map();
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    waiting.get(message.id)?.(message);
    waiting.delete(message.id);
  };
  const send = (method) => {
    const id = ++nextId;
    socket.send(JSON.stringify({ id, method }));
    return id;
  };
  const usage = () =>
    new Promise((resolve, reject) => {
      waiting.set(send("Runtime.getHeapUsage"), (m) =>
        m.error ? reject(new Error(m.error.message)) : resolve(m.result),
      );
    });

  const first = await usage();
  const peak = { used: first.usedSize, buffers: first.backingStorageSize, samples: 1 };
  const start = { used: first.usedSize, buffers: first.backingStorageSize };
  let running = true;
  // One request at a time: the isolate answers between its own tasks, so a long synchronous
  // stretch delays a sample rather than queueing many.
  const loop = (async () => {
    while (running) {
      const { usedSize, backingStorageSize } = await usage();
      peak.used = Math.max(peak.used, usedSize);
      peak.buffers = Math.max(peak.buffers, backingStorageSize);
      peak.samples += 1;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    /**
     * Stops sampling, then reads the heap once more after a full collection: what the isolate
     * still holds, garbage aside. workerd does not answer HeapProfiler.collectGarbage, but a heap
     * snapshot collects first; its chunks are dropped, and the usage read queued behind it answers
     * once it is done.
     */
    async stop() {
      running = false;
      await loop;
      socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.method === undefined) waiting.get(message.id)?.(message);
        waiting.delete(message.id);
      };
      send("HeapProfiler.takeHeapSnapshot");
      const live = await usage();
      socket.close();
      return { start, peak, live: live.usedSize };
    },
  };
}
