import type { SendJob } from "../../src/queues/contracts";
import { type StandInAccount, seedTemplate } from "../standin/standin.helpers";
import { connectedProject } from "./pipeline.helpers";
import { BACKLOG_TEMPLATE, type BacklogOptions, queueRows } from "./queue-rows";

export { BACKLOG_TEMPLATE, type BacklogOptions, queueRows };

export interface SendBacklog {
  projectId: string;
  account: StandInAccount;
  /** One `send` body per queued message row, in id order. */
  jobs: SendJob[];
  /** With `broadcast`: the run (status `sending`, fanned out) and campaign the rows belong to. */
  runId?: string;
  campaignId?: string;
}

/**
 * A project on a fresh Meta account at the stand-in, sending at `throughput` messages/s, with
 * `recipients` message rows already queued (one per distinct number) and their sends-queue bodies,
 * as a run's fan-out leaves them.
 */
export async function sendBacklog(
  recipients: number,
  throughput: number,
  options: BacklogOptions = {},
): Promise<SendBacklog> {
  const { p, account } = await connectedProject({ autoApprove: true, throughput });
  await seedTemplate(account, {
    name: BACKLOG_TEMPLATE.name,
    category: "UTILITY",
    components: [{ type: "BODY", text: BACKLOG_TEMPLATE.text }],
  });
  return { ...(await queueRows(p.id, recipients, options)), account };
}
