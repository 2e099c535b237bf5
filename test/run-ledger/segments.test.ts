import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { audiencePage } from "../../src/features/audiences/members";
import type { SegmentFilter } from "../../src/features/audiences/segment";
import { allAudienceNumbers, createAudienceOk, numbers } from "../audiences/audiences.helpers";
import { call, db } from "../helpers";
import { eventually } from "../messages/messages.helpers";
import { audience, campaign, group, ok, runCampaign, runReaches, sandboxProject } from "../runs/runs.helpers";

// Segments on past behaviour ("received", "read" and their `not_` forms) over runs whose messages
// are in their own objects: D1 holds none of those messages, so each window of contacts a segment
// reads is asked of the runs' objects (src/features/audiences/behaviour-reach.ts). Sent through the
// real Worker, queues and sandbox, whose statuses settle each number as named below.

const NOT_ON_WHATSAPP = "+917428520000";
const DELIVERY_FAILS = "+917428521111";
const NEVER_READ = "+917428522222";

async function sentObjectRun() {
  const p = await sandboxProject();
  await env.DB.prepare("UPDATE projects SET run_messages = 'object' WHERE id = ?").bind(p.id).run();
  const [r0, r1, r2, untouched] = numbers(4, 61) as [string, string, string, string];
  const sentTo = [r0, r1, r2, NOT_ON_WHATSAPP, DELIVERY_FAILS, NEVER_READ];
  await audience(p.manager, "first", sentTo);
  // A contact the run never messaged.
  await audience(p.manager, "later", [untouched]);
  await group(
    p.manager,
    "users",
    ["first_name", "code"],
    sentTo.map((number, i) => ({ number, first_name: `Name${i}`, code: `C${i}` })),
  );
  const c = await campaign(p.manager);
  const started = await ok(runCampaign(p.manager, { campaignId: c.campaignId, audiences: ["first"] }), 202);
  const runId = started.run.runId as string;
  await runReaches(p.manager, runId, ["completed"]);
  await eventually(
    () => call("GET", `/v1/runs/${runId}`, { key: p.manager }),
    (r) => r.body.run.results.Read === 3 && r.body.run.results.DeliveryErrors === 1,
  );
  return { p, campaignId: c.campaignId, runId, read: [r0, r1, r2], untouched };
}

let seq = 0;
async function members(key: string, filter: SegmentFilter, pageSize = 1) {
  const id = `seg${++seq}`;
  await createAudienceOk(key, { id, name: id, filter });
  return (await allAudienceNumbers(key, id, pageSize)).sort();
}

describe("segments on past behaviour over runs kept in objects", { timeout: 90_000 }, () => {
  it("answer from the runs' objects: listed, dry-run and run to", async () => {
    const { p, campaignId, runId, read, untouched } = await sentObjectRun();
    // Nothing of the run is in D1: every answer below comes from its object.
    const inD1 = await env.DB.prepare("SELECT count(*) AS n FROM messages WHERE project_id = ?")
      .bind(p.id)
      .first<{ n: number }>();
    expect(inD1?.n).toBe(0);
    const received = [...read, NEVER_READ].sort();
    const cases: [SegmentFilter["behaviour"], string[]][] = [
      [[{ campaignId, did: "received" }], received],
      [[{ campaignId, runId, did: "received" }], received],
      [[{ campaignId, did: "read" }], [...read].sort()],
      [[{ campaignId, did: "not_read" }], [NOT_ON_WHATSAPP, DELIVERY_FAILS, NEVER_READ, untouched].sort()],
      [[{ campaignId, did: "not_received" }], [NOT_ON_WHATSAPP, DELIVERY_FAILS, untouched].sort()],
      [
        [
          { campaignId, did: "received" },
          { campaignId, did: "not_read" },
        ],
        [NEVER_READ],
      ],
    ];
    for (const [behaviour, expected] of cases) {
      // Pages of one and of ten: each page asks the objects about its own window.
      expect(await members(p.manager, { behaviour }), JSON.stringify(behaviour)).toEqual(expected);
      expect(await members(p.manager, { behaviour }, 10), JSON.stringify(behaviour)).toEqual(expected);
    }

    // A dry run of another campaign to the readers counts them; the run itself sends to them only.
    await createAudienceOk(p.manager, {
      id: "readers",
      name: "readers",
      filter: { behaviour: [{ campaignId, did: "read" }] },
    });
    const next = await campaign(p.manager);
    const dry = await ok(
      runCampaign(p.manager, { campaignId: next.campaignId, audiences: ["readers"], dryRun: true }),
      200,
    );
    expect(dry.dryRun).toMatchObject({ recipients: 3, wouldSend: 3 });
    const second = await ok(runCampaign(p.manager, { campaignId: next.campaignId, audiences: ["readers"] }), 202);
    const done = await runReaches(p.manager, second.run.runId, ["completed"]);
    expect(done.recipients).toEqual({ queued: 3, skipped: 0 });
  });

  it("walks the contacts a window at a time, each window asked of the objects", async () => {
    const { p, campaignId, read } = await sentObjectRun();
    const target = {
      kind: "segment" as const,
      pk: 0,
      id: "x",
      filter: { behaviour: [{ campaignId, did: "read" as const }] },
    };
    const found: string[] = [];
    let after = 0;
    for (let pages = 0; pages < 20; pages++) {
      const page = await audiencePage(db(), p.id, target, after, 10, 2, env);
      found.push(...page.contacts.map((c) => c.number));
      if (page.after === null) break;
      after = page.after;
    }
    expect(found.sort()).toEqual([...read].sort());
    // Without the objects, the run counts as having messaged nobody: how the check above can fail.
    expect((await audiencePage(db(), p.id, target, 0, 10, 100)).contacts).toEqual([]);
  });
});
