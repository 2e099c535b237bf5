import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { governorFor, type SendGovernor } from "../../src/durable-objects/send-governor";
import type { SendBacklog } from "./backlog.helpers";
import type { QueueBroker } from "./queue-broker";

/**
 * Points a number's governor at the broker: what it releases goes to the broker's queue instead of
 * the local sends queue (whose consumer Miniflare runs one batch at a time), and starts it feeding
 * the backlog's run (unless `feed` is false). The object is the real one, alarms and storage included.
 */
export async function feedIntoBroker(
  backlog: SendBacklog,
  broker: QueueBroker,
  rate: number,
  options: { feed?: boolean } = {},
) {
  const stub = governorFor(env, backlog.account.phoneNumberId);
  await runInDurableObject(stub, (governor: SendGovernor) => {
    governor.deliver = async (bodies) => broker.send(bodies);
  });
  if (options.feed !== false && backlog.runId && backlog.campaignId) {
    await stub.feed({ runId: backlog.runId, projectId: backlog.projectId, campaignId: backlog.campaignId, rate });
  }
}

/** `bindings` with every number's governor unreachable: each call to it fails. */
export function unreachableGovernor(bindings: Env): Env {
  const unreachable = new Proxy(
    {},
    { get: (_, prop) => (prop === "then" ? undefined : () => Promise.reject(new Error("governor unreachable"))) },
  );
  return {
    ...bindings,
    SEND_GOVERNOR: { idFromName: (name: string) => bindings.SEND_GOVERNOR.idFromName(name), get: () => unreachable },
  } as unknown as Env;
}
