import { env } from "cloudflare:workers";
import { newMessageId } from "../../src/features/messages/store";
import type { SendJob } from "../../src/queues/contracts";
import { type StandInAccount, seedTemplate } from "../standin/standin.helpers";
import { connectedProject } from "./pipeline.helpers";

// Rows per INSERT: they travel as ONE json_each parameter (D1 binds at most 100 per statement), as
// the fan-out writes them; a few statements go in each D1 batch.
const ROWS_PER_STATEMENT = 500;
const STATEMENTS_PER_BATCH = 10;

export const BACKLOG_TEMPLATE = { name: "order_update", text: "Hi {{1}}, your order {{2}} is on its way." };

export interface SendBacklog {
  projectId: string;
  account: StandInAccount;
  /** One `send` body per queued message row, in id order. */
  jobs: SendJob[];
}

/**
 * A project on a fresh Meta account at the stand-in, sending at `throughput` messages/s, with
 * `recipients` message rows already queued (one per distinct number) and their sends-queue bodies,
 * as a run's fan-out leaves them.
 */
export async function sendBacklog(recipients: number, throughput: number): Promise<SendBacklog> {
  const { p, account } = await connectedProject({ autoApprove: true, throughput });
  await seedTemplate(account, {
    name: BACKLOG_TEMPLATE.name,
    category: "UTILITY",
    components: [{ type: "BODY", text: BACKLOG_TEMPLATE.text }],
  });
  const now = Date.now();
  const rows = Array.from({ length: recipients }, (_, i) => {
    const to = `+9198${String(i).padStart(8, "0")}`;
    const payload = { to, template: { name: BACKLOG_TEMPLATE.name, language: "en_US" }, body: ["Asha", `#${i}`] };
    return [newMessageId(), to, payload] as const;
  });
  const insert = env.DB.prepare(
    `INSERT INTO messages (id, project_id, number, status, payload, attempts, created_at, updated_at)
     SELECT j.value ->> '$[0]', ?1, j.value ->> '$[1]', 'queued', j.value -> '$[2]', 0, ?2, ?2 FROM json_each(?3) j`,
  );
  const statements = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    statements.push(insert.bind(p.id, now, JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT))));
  }
  for (let i = 0; i < statements.length; i += STATEMENTS_PER_BATCH) {
    await env.DB.batch(statements.slice(i, i + STATEMENTS_PER_BATCH));
  }
  return {
    projectId: p.id,
    account,
    jobs: rows.map(([messageId]) => ({ kind: "send", projectId: p.id, messageId })),
  };
}
