import { createApp } from "./app";
import { consumeCallbacks } from "./consumers/callbacks";
import { consumeDeadLetters, consumeDeadSends } from "./consumers/dead-letters";
import { dispatchQueue, type QueueHandlers } from "./consumers/dispatch";
import { consumeEvents } from "./consumers/events";
import { consumeJobs } from "./consumers/jobs";
import { consumeSends } from "./consumers/sends";
import { sweepArchives } from "./features/archive/sweep";
import { sweepStuckMessages } from "./features/delivery/sweep";
import { sweepStalledImports } from "./features/imports/sweep";
import { sweepThroughputs } from "./features/number-state/throughput";
import { sampleStorage } from "./features/storage/sample";

export { CampaignStats } from "./durable-objects/campaign-stats";
export { IdempotencyKeys } from "./durable-objects/idempotency";
export { SendGovernor } from "./durable-objects/send-governor";
export { Outbox } from "./features/outbox";
export { RunLedger } from "./features/run-ledger";

const app = createApp();

const queueHandlers: QueueHandlers = {
  sends: consumeSends,
  "sends-dlq": consumeDeadSends,
  jobs: consumeJobs,
  "jobs-dlq": consumeDeadLetters("jobs"),
  events: consumeEvents,
  "events-dlq": consumeDeadLetters("events"),
  callbacks: (batch, env) => consumeCallbacks(batch, env),
  "callbacks-dlq": consumeDeadLetters("callbacks"),
};

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => dispatchQueue(batch, env, ctx, queueHandlers),
  // The sweeps side by side: one failing does not hold the others back.
  scheduled: async (_controller, env, ctx) => {
    ctx.waitUntil(sweepStuckMessages(env));
    ctx.waitUntil(sweepStalledImports(env));
    ctx.waitUntil(sweepArchives(env));
    ctx.waitUntil(sampleStorage(env));
    ctx.waitUntil(sweepThroughputs(env));
  },
} satisfies ExportedHandler<Env>;
