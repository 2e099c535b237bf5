import { createApp } from "./app";
import { dispatchQueue } from "./queues";
import { consumeEvents } from "./queues/events";
import { consumeSends } from "./queues/sends";

export { CampaignStats } from "./durable-objects/campaign-stats";
export { IdempotencyKeys } from "./durable-objects/idempotency";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => dispatchQueue(batch, env, ctx, { sends: consumeSends, events: consumeEvents }),
} satisfies ExportedHandler<Env>;
