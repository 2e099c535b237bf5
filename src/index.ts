import { createApp } from "./app";
import { dispatchQueue } from "./queues";

export { CampaignStats } from "./durable-objects/campaign-stats";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => dispatchQueue(batch, env, ctx, {}),
} satisfies ExportedHandler<Env>;
