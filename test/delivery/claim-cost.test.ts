import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { claimMessages } from "../../src/features/delivery/send-batch";
import { outbox } from "../../src/features/outbox";
import { createDb } from "../../src/platform/db/client";
import { measureD1 } from "../d1-cost";
import { sendBacklog } from "./backlog.helpers";
import { runQueue } from "./pipeline.helpers";

// A send reads the rows it sends, not the run around them: D1 bills every row read, and a
// statement that walks the status index reads every queued (or sending) message, so it costs more
// the bigger the broadcast (100,000 recipients in batches of 100 would read 10^8 rows) and slows
// every claim behind it. Each check runs at two backlog sizes: the cost per message stays flat.

const SENT = 50;
/** The row, its contact, its history, the id list's own rows and index steps: a constant handful. */
const CLAIM_ROWS_READ_PER_MESSAGE = 16;
/** Claim, outcomes, history and the ledger's drain; a wamid looked up per row, not scanned for. */
const SEND_ROWS_READ_PER_MESSAGE = 40;

async function claimCost(queued: number) {
  const backlog = await sendBacklog(queued, 80, { broadcast: true });
  const ids = backlog.jobs.slice(queued - SENT).map((j) => j.messageId);
  const { result, cost } = await measureD1(env.DB, () =>
    claimMessages(createDb(env.DB), backlog.projectId, ids, { recheckOptOuts: true }),
  );
  expect(result.size).toBe(SENT);
  return cost;
}

/** A batch through the real sends consumer (claim, send, outcomes), then the ledger's drain. */
async function sendCost(queued: number) {
  const backlog = await sendBacklog(queued, 1000, { broadcast: true });
  // The outbox reads where it starts once per object: not the batch's cost.
  await outbox(env).drain();
  const { cost } = await measureD1(env.DB, async () => {
    await runQueue("wa-campaigns-sends", backlog.jobs.slice(queued - SENT));
    await outbox(env).drain();
  });
  const { n } = (await env.DB.prepare(
    "SELECT count(*) AS n FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) AND status = 'sent'",
  )
    .bind(backlog.runId)
    .first<{ n: number }>()) ?? { n: 0 };
  expect(n).toBe(SENT);
  return cost;
}

describe("the D1 cost of a broadcast send", () => {
  it("claiming reads a handful of rows per message, the same from 300 queued as from 3,000", async () => {
    const small = await claimCost(300);
    const large = await claimCost(3_000);
    expect(small.rowsRead).toBeGreaterThan(0);
    expect(large.rowsRead).toBeLessThanOrEqual(SENT * CLAIM_ROWS_READ_PER_MESSAGE);
    expect(large.rowsRead).toBeLessThanOrEqual(small.rowsRead * 1.1);
  });

  it("a claim that takes every message it was given makes no statement for the re-check's skip and its log row", async () => {
    const backlog = await sendBacklog(SENT, 80, { broadcast: true });
    const ids = backlog.jobs.map((j) => j.messageId);
    const { result, cost } = await measureD1(
      env.DB,
      () => claimMessages(createDb(env.DB), backlog.projectId, ids, { recheckOptOuts: true }),
      { bySql: true },
    );
    expect(result.size).toBe(SENT);
    // The claim leaves opted-out recipients queued; the skip and its log row run after it, for
    // the messages it did not take, and only when there are some: in the common batch, where
    // nobody opted out and every message was still queued, they cost no statement, where they
    // cost two.
    // The claim itself joins the id list to the rows (UPDATE … FROM json_each): the list's value, the
    // key's index entry, the row as found and as written, and the row it returns, where a list
    // behind IN (SELECT …) cost a sixth, its temporary index.
    const claim = [...(cost.bySql?.entries() ?? [])].filter(([text]) => text.includes('"attempts" = '));
    expect(claim).toHaveLength(1);
    expect(claim[0]?.[1].rowsRead).toBeLessThanOrEqual(SENT * 5);
    const skip = [...(cost.bySql?.entries() ?? [])].filter(([text]) => text.includes('"skip_reason" = ?'));
    expect(skip).toHaveLength(0);
    const log = [...(cost.bySql?.entries() ?? [])].filter(([text]) => text.startsWith('insert into "ledger_log"'));
    expect(log).toHaveLength(0);
  });

  it("a claim writes each message's row and no index entry: queued → sending moves no key", async () => {
    const backlog = await sendBacklog(SENT, 80, { broadcast: true });
    const ids = backlog.jobs.map((j) => j.messageId);
    const { result, cost } = await measureD1(env.DB, () =>
      claimMessages(createDb(env.DB), backlog.projectId, ids, { recheckOptOuts: true }),
    );
    expect(result.size).toBe(SENT);
    // D1 counts each index entry a statement writes as a row: the run's open-messages index is
    // keyed and filtered by columns a claim never sets, so its entries stay as they are.
    expect(cost.rowsWritten).toBe(SENT);
  });

  it("a claim that leaves some messages skips and logs only those, in one more batch", async () => {
    const backlog = await sendBacklog(SENT, 80, { broadcast: true });
    const ids = backlog.jobs.map((j) => j.messageId);
    // Two of them claimed already (another delivery's): the re-check reads those two alone.
    await claimMessages(createDb(env.DB), backlog.projectId, ids.slice(0, 2), { recheckOptOuts: true });
    const { result, cost } = await measureD1(
      env.DB,
      () => claimMessages(createDb(env.DB), backlog.projectId, ids, { recheckOptOuts: true }),
      { bySql: true },
    );
    expect(result.size).toBe(SENT - 2);
    const skip = [...(cost.bySql?.entries() ?? [])].filter(([text]) => text.includes('"skip_reason" = ?'));
    expect(skip).toHaveLength(1);
    expect(skip[0]?.[1].rowsRead).toBeLessThanOrEqual(2 * 3);
  });

  it("sending and recording a batch reads as many rows from 3,000 queued as from 300", async () => {
    const small = await sendCost(300);
    const large = await sendCost(3_000);
    expect(small.statements).toBeGreaterThan(0);
    expect(large.statements).toBe(small.statements);
    // The batch's campaigns and runs (one read), the number's account, the claim, the claimed
    // messages' run by its ref (once per run and isolate), the outcomes and their log row, the
    // run's completion check, the outbox's reads of the logs (the second finds none left) and of
    // the page's projects' callback endpoints; no opt-out skip when every message was claimed.
    expect(large.statements).toBeLessThanOrEqual(10);
    expect(large.rowsRead).toBeLessThanOrEqual(small.rowsRead * 1.1);
    expect(large.rowsRead).toBeLessThanOrEqual(SENT * SEND_ROWS_READ_PER_MESSAGE);
  });
});
