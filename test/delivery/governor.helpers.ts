import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { governorFor, type SendGovernor } from "../../src/durable-objects/send-governor";
import type { ReceivedSend } from "../../standin/graph-api";
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

/**
 * True once none of the project's messages is queued or sending. Asked whenever the broker's queue
 * runs empty, so it must be cheap: it walks only the queued and sending rows (the status index),
 * not every message of the project, and stops at the first. A count over the project's rows took
 * tens of milliseconds at 30,000 messages, on the very thread the consumers run on.
 */
export const nothingLeft = (projectId: string) => async () => {
  const row = await env.DB.prepare(
    "SELECT EXISTS (SELECT 1 FROM messages WHERE status IN ('queued', 'sending') AND +project_id = ?) AS left",
  )
    .bind(projectId)
    .first<{ left: number }>();
  return row?.left === 0;
};

/** Accepted sends in each second from `startedAt`. */
export function sendsPerSecond(sends: ReceivedSend[], startedAt: number): number[] {
  const counts: number[] = [];
  for (const send of sends) {
    if (!send.accepted) continue;
    const second = Math.max(0, Math.floor((send.receivedAt - startedAt) / 1000));
    counts[second] = (counts[second] ?? 0) + 1;
  }
  return Array.from(counts, (n) => n ?? 0);
}

/**
 * The most accepted sends in any window of one second (sliding, to the millisecond): what Meta's
 * per-second throughput is judged on, whichever second boundaries it uses.
 */
export function busiestSecond(sends: ReceivedSend[]): number {
  const times = sends
    .filter((s) => s.accepted)
    .map((s) => s.receivedAt)
    .sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] as number) - (times[start] as number) >= 1000) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}
