import type { Db } from "../../platform/db/client";
import type { Logger } from "../../platform/log";
import { backoffSeconds } from "../../queues/backoff";
import type { LinkClickJob } from "../../queues/contracts";
import { recordClick } from "./store";

/** A click the redirect could not write: written now, retried with backoff, dead-lettered at the end. */
export async function handleLinkClickMessage(
  message: Message<LinkClickJob>,
  deps: { env: Pick<Env, "RUN_LEDGER">; db: Db; log: Logger },
) {
  const { kind: _, ...click } = message.body;
  try {
    await recordClick(deps.db, deps.env, click);
    message.ack();
  } catch (err) {
    deps.log.warn("link click not recorded; retrying", { runId: click.runId, attempts: message.attempts, err });
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
  }
}
