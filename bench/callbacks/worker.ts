import { SendGovernor as ProjectGovernor } from "../../src/durable-objects/send-governor";
import { enqueueCallbacks } from "../../src/features/customer-callbacks/enqueue";
import project from "../../src/index";
import { createDb } from "../../src/platform/db/client";
import type { Transition } from "../../src/platform/db/schema";

// The callbacks benchmark's Worker: the project's Worker as wrangler bundles it, with one more
// route that queues status callbacks through the real producer (enqueueCallbacks), as the ledger's
// outbox does for a run's transitions, without sending 100,000 messages first. Sends are not
// played: each number's governor releases into nothing, so a run's fan-out is measured alone.

export { CampaignStats, IdempotencyKeys, Outbox, RunLedger } from "../../src/index";

export class SendGovernor extends ProjectGovernor {
  override async deliver(): Promise<void> {}
}

export interface EnqueueRequest {
  projectId: string;
  /** The first message's number in the run; ids are `msg_bench<8 digits>`. */
  from: number;
  count: number;
}

function transitions({ projectId, from, count }: EnqueueRequest): Transition[] {
  return Array.from({ length: count }, (_, i) => ({
    messageId: `msg_bench${String(from + i).padStart(8, "0")}`,
    projectId,
    campaignId: "cmp_bench",
    runId: "run_bench",
    from: "sent",
    to: "delivered",
  }));
}

export default {
  ...project,
  async fetch(request, workerEnv, ctx) {
    if (new URL(request.url).pathname === "/__bench/callbacks/enqueue") {
      const body = (await request.json()) as EnqueueRequest;
      await enqueueCallbacks(workerEnv, createDb(workerEnv.DB), transitions(body));
      return Response.json({ queued: body.count });
    }
    return project.fetch(request, workerEnv, ctx);
  },
} satisfies ExportedHandler<Env>;
