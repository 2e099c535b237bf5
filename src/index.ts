import { createApp } from "./app";
import { dispatchQueue } from "./queues";
import { consumeDeadSends } from "./queues/dead-letter";
import { consumeEvents } from "./queues/events";
import { consumeJobs } from "./queues/jobs";
import { consumeSends } from "./queues/sends";
import { sweepStuckMessages } from "./queues/sweep";

export { CampaignStats } from "./durable-objects/campaign-stats";
export { IdempotencyKeys } from "./durable-objects/idempotency";
export { SendGovernor } from "./durable-objects/send-governor";

const app = createApp();

const queueHandlers = {
  sends: consumeSends,
  "sends-dlq": consumeDeadSends,
  jobs: consumeJobs,
  events: consumeEvents,
};

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => dispatchQueue(batch, env, ctx, { ...queueHandlers }),
  scheduled: async (_controller, env, ctx) => {
    ctx.waitUntil(sweepStuckMessages(env));
  },
} satisfies ExportedHandler<Env>;
