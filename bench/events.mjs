// The events consumer draining a backlog of status webhooks: runs bench/events/*.bench-test.ts in
// the Workers test runtime (its own vitest config; `npm test` never runs it), where a broker
// playing Cloudflare Queues drives the real queue handler at up to C invocations at once. The test
// prints one `EVENTS {json}` line of its figures, read here.
import { conditions } from "./conditions.mjs";
import { runtimeFigures, runtimeStorage } from "./runtime-bench.mjs";

const MARKER = "EVENTS ";

export async function run() {
  const [f] = await runtimeFigures("events", "bench/events/vitest.config.ts", MARKER);
  if (!f) throw new Error("the events benchmark printed no figures");
  return {
    title: "events: a queued backlog of status webhooks drained by the events consumer",
    rows: [
      {
        events: f.events,
        duplicates: f.duplicates,
        "drain ms": f.drainMs,
        "applied events/s": f.appliedEventsPerSec,
        "counted ms": f.countedMs,
        invocations: f.invocations,
        "peak C": f.peakConcurrency,
        "push-backs": f.pushBacks,
        "dead-lettered": f.deadLettered,
        "D1 statements/event": f.statementsPerEvent,
        "D1 rows read/event": f.rowsReadPerEvent,
        "counters exact": f.countersExact,
      },
    ],
    conditions: conditions({
      messages: f.messages,
      "statuses per message": "sent, delivered, read; 10% of all events twice; shuffled; one status per queue message",
      "concurrency allowed": f.concurrency,
      broker: "batches of ≤ 100 (wrangler.toml), retry delays honoured",
      runtime: "workerd via @cloudflare/vitest-plugin, local D1 and Durable Objects",
      "local storage": runtimeStorage,
    }),
    result: {
      events: f.events,
      duplicates: f.duplicates,
      concurrency: f.concurrency,
      drainMs: f.drainMs,
      appliedEventsPerSec: f.appliedEventsPerSec,
      countedMs: f.countedMs,
      statementsPerEvent: f.statementsPerEvent,
      rowsReadPerEvent: f.rowsReadPerEvent,
      pushBacks: f.pushBacks,
      deadLettered: f.deadLettered,
      countersExact: f.countersExact,
    },
  };
}
