import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, inject, it } from "vitest";
import { claimMessages } from "../../src/features/delivery/send-batch";
import { outbox } from "../../src/features/outbox";
import { type RunLedger, runLedger } from "../../src/features/run-ledger";
import { readConfig } from "../../src/platform/config";
import { createDb } from "../../src/platform/db/client";
import { databaseBytes } from "../../src/platform/db/size";
import { ledgerMessageId } from "../../src/platform/ids";
import { statusWebhook } from "../../standin/graph-api/webhooks";
import { type D1Cost, measureD1, UNMETERED } from "../../test/d1-cost";
import { sendBacklog } from "../../test/delivery/backlog.helpers";
import { connectedProject, metaCampaign } from "../../test/delivery/pipeline.helpers";
import { call, runQueueBatch } from "../../test/helpers";
import { sign } from "../../test/inbound/inbound.helpers";
import type { StorageScenario, StorageShape } from "./scenario";

// What one message costs the D1 database over its whole lifecycle, for each shape a business
// sends: an API campaign (`POST /campaign/t1/api/v2`, a two-parameter utility template) and a
// broadcast run (image header, two quick-reply buttons). Everything goes through the real Worker
// in this runtime: the route or the run's fan-out, the sends consumer, the Meta provider and the
// stand-in Graph API, Meta's sent, delivered and read webhooks (one status per signed POST, as Meta
// sends them) through the webhook route and the events consumer, and a quick-reply press by one
// recipient in ten. Contacts are written before the first reading, so the figures are the
// message's alone. Bytes are D1's own `size_after`; rows written, rows read and statements are
// D1's `meta` of every statement any handler ran. Prints one `STORAGE {json}` line.

const BUTTONS = ["Interested", "Not now"];
const IN_FLIGHT = 50;
const D1_MAX_BYTES = 10 * 1000 ** 3;

/**
 * An API campaign's sends or a broadcast run, each in D1's messages table or in its own object (an
 * API campaign's day, projects.api_messages; a run's, projects.run_messages).
 */
type Shape = StorageShape;

/** The shapes kept in objects: their messages are read from the object, and its cost is added. */
const IN_OBJECTS: Shape[] = ["api-object", "broadcast-object"];

interface ShapeFigures {
  shape: Shape;
  messages: number;
  bytesPerMessage: number;
  rowsWrittenPerMessage: number;
  rowsReadPerMessage: number;
  statementsPerMessage: number;
  presses: number;
  seconds: number;
  /** Kept in its own object: its share in D1 and in the object. */
  d1?: Record<string, number>;
  object?: Record<string, number>;
}

/** Runs `work` over `items` with at most IN_FLIGHT at once. */
async function pooled<T>(items: readonly T[], work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(IN_FLIGHT, items.length) }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 3_600_000) {
  const deadline = Date.now() + timeoutMs;
  let logged = Date.now();
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    if (Date.now() - logged > 10_000) {
      logged = Date.now();
      console.log(`storage: still waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const countWhere = async (sql: string, ...binds: unknown[]) =>
  (
    await env.DB.prepare(`${UNMETERED}SELECT count(*) AS n FROM ${sql}`)
      .bind(...binds)
      .first<{ n: number }>()
  )?.n ?? 0;

async function postWebhook(secret: string, payload: unknown) {
  const body = JSON.stringify(payload);
  const response = await exports.default.fetch(
    new Request("https://api.test/webhooks/whatsapp", {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": await sign(secret, body) },
      body,
    }),
  );
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
}

type Account = Awaited<ReturnType<typeof connectedProject>>["account"];

/** Where a shape's messages are: D1's messages table, or its run's own object. */
interface Ledger {
  /** Every message sent so far, with its wamid. */
  sent(): Promise<{ id: string; number: string; wamid: string }[]>;
  /** How many messages are read. */
  read(): Promise<number>;
}

const d1Ledger = (projectId: string): Ledger => ({
  sent: async () =>
    (
      await env.DB.prepare(
        `${UNMETERED}SELECT id, number, wamid FROM messages WHERE project_id = ? AND wamid IS NOT NULL`,
      )
        .bind(projectId)
        .all<{ id: string; number: string; wamid: string }>()
    ).results,
  read: () => countWhere("messages WHERE project_id = ? AND status = 'read'", projectId),
});

/** The run of `projectId` (its one run, or its API campaign's one day) in its own object. */
async function objectLedger(projectId: string): Promise<Ledger & { ref: string }> {
  const run = await env.DB.prepare(`${UNMETERED}SELECT ref FROM runs WHERE project_id = ?`)
    .bind(projectId)
    .first<{ ref: string }>();
  if (!run) throw new Error("the run (or the API day) was not created");
  const ledger = runLedger(env, run.ref);
  return {
    ref: run.ref,
    sent: async () => {
      const rows: { id: string; number: string; wamid: string }[] = [];
      for (let after = 0; ; ) {
        const page = await ledger.page(after, 500);
        if (page.length === 0) return rows;
        after = page.at(-1)?.slot ?? after;
        for (const r of page)
          if (r.wamid) rows.push({ id: ledgerMessageId(run.ref, r.slot), number: r.number, wamid: r.wamid });
      }
    },
    read: async () => (await ledger.counts()).read,
  };
}

/** Meta's statuses for every message of the project that has a wamid, then the presses; waits until applied. */
async function playMeta(projectId: string, account: Account, messages: number, category: string, ledger: Ledger) {
  const rows = await ledger.sent();
  const stand = { ...account, autoApprove: true, displayPhoneNumber: "15550000000" };
  for (const status of ["sent", "delivered", "read"] as const) {
    await pooled(rows, (m) =>
      postWebhook(
        account.appSecret,
        statusWebhook(stand, {
          wamid: m.wamid,
          status,
          recipient: m.number.slice(1),
          category,
          callbackData: `${m.id}||`,
        }),
      ),
    );
  }
  await until("every status applied", async () => (await ledger.read()) === messages);
  // One recipient in ten presses a quick reply on the message it got.
  const pressing = rows.filter((_, i) => i % 10 === 0);
  await pooled(pressing, (m) =>
    postWebhook(account.appSecret, {
      object: "whatsapp_business_account",
      entry: [
        {
          id: account.wabaId,
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: "15550000000", phone_number_id: account.phoneNumberId },
                contacts: [{ profile: { name: "Asha" }, wa_id: m.number.slice(1) }],
                messages: [
                  {
                    from: m.number.slice(1),
                    id: `wamid.press.${m.id}`,
                    timestamp: String(Math.floor(Date.now() / 1000)),
                    type: "button",
                    button: { payload: BUTTONS[0], text: BUTTONS[0] },
                    context: { from: "15550000000", id: m.wamid },
                  },
                ],
              },
            },
          ],
        },
      ],
    }),
  );
  await until(
    "every press recorded",
    async () => (await countWhere("responses WHERE project_id = ?", projectId)) >= pressing.length,
  );
  await outbox(env).drain();
  return pressing.length;
}

/** Contacts written straight into D1 before the first reading: seeding is not what is measured. */
async function seedContacts(projectId: string, numbers: string[], audiencePk?: number) {
  for (let i = 0; i < numbers.length; i += 1000) {
    const rows = JSON.stringify(numbers.slice(i, i + 1000));
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO contacts (project_id, number, name, updated_at) SELECT ?, value, 'Asha', 0 FROM json_each(?) WHERE true ON CONFLICT DO NOTHING",
      ).bind(projectId, rows),
      ...(audiencePk === undefined
        ? []
        : [
            env.DB.prepare(
              "INSERT INTO audience_members (audience_pk, contact_id, added_at) SELECT ?, c.id, 0 FROM json_each(?) j JOIN contacts c ON c.project_id = ? AND c.number = j.value WHERE true ON CONFLICT DO NOTHING",
            ).bind(audiencePk, rows, projectId),
          ]),
    ]);
  }
}

const numberOf = (shape: number, i: number) => `+9197${shape}${String(i).padStart(7, "0")}`;

/** Each statement's share of a message's cost, costliest first (statements differing only in values are one). */
function printStatements(shape: string, cost: D1Cost, messages: number) {
  const rows = [...(cost.bySql?.entries() ?? [])].sort(
    (a, b) => b[1].rowsWritten + b[1].statements - (a[1].rowsWritten + a[1].statements),
  );
  for (const [statement, c] of rows.slice(0, 25)) {
    const per = (n: number, digits: number) => (n / messages).toFixed(digits);
    console.log(
      `${shape}: statements ${per(c.statements, 3)}, rows written ${per(c.rowsWritten, 2)}, rows read ${per(c.rowsRead, 2)} — ${statement}`,
    );
  }
}

async function measureShape(
  shape: Shape,
  messages: number,
  bySql: boolean,
  send: () => Promise<{ projectId: string; account: Account; category: string }>,
): Promise<ShapeFigures> {
  const started = Date.now();
  const before = await databaseBytes(env.DB);
  let object: { cost: D1Cost; bytes: number } | null = null;
  const { result, cost } = await measureD1(
    env.DB,
    async () => {
      const { projectId, account, category } = await send();
      if (!IN_OBJECTS.includes(shape)) {
        await until(
          "every message sent",
          async () => (await countWhere("messages WHERE project_id = ? AND wamid IS NOT NULL", projectId)) === messages,
        );
        return playMeta(projectId, account, messages, category, d1Ledger(projectId));
      }
      await until("the run", async () => (await countWhere("runs WHERE project_id = ?", projectId)) === 1);
      const ledger = await objectLedger(projectId);
      const stub = runLedger(env, ledger.ref);
      await until("every message sent", async () => (await stub.counts()).sent === messages);
      const presses = await playMeta(projectId, account, messages, category, ledger);
      await until("the run's log handed over", async () => (await stub.pendingLog()) === 0);
      object = { cost: await objectCost(stub), bytes: await stub.size() };
      return presses;
    },
    { bySql },
  );
  if (bySql) printStatements(shape, cost, messages);
  const after = await databaseBytes(env.DB);
  const inObject = object as { cost: D1Cost; bytes: number } | null;
  const total = inObject ? addCosts(cost, inObject.cost) : cost;
  return {
    shape,
    messages,
    bytesPerMessage: Math.round((after - before + (inObject?.bytes ?? 0)) / messages),
    ...perMessage(total, messages),
    // D1's statements alone: its one query at a time is the budget the target is about; the
    // object's, its own database's, are reported beside them.
    statementsPerMessage: perMessage(cost, messages).statementsPerMessage,
    ...(inObject
      ? {
          d1: { bytesPerMessage: Math.round((after - before) / messages), ...perMessage(cost, messages) },
          object: { bytesPerMessage: Math.round(inObject.bytes / messages), ...perMessage(inObject.cost, messages) },
        }
      : {}),
    presses: result,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/** What the run's object's SQLite spent since it started, as it bills it (the store's meter). */
const objectCost = (stub: DurableObjectStub<RunLedger>) =>
  runInDurableObject(stub, (instance: RunLedger): D1Cost => {
    const { statements, rowsRead, rowsWritten } = (instance as unknown as { store: { cost: D1Cost } }).store.cost;
    return { statements, rowsRead, rowsWritten };
  });

const addCosts = (a: D1Cost, b: D1Cost): D1Cost => ({
  statements: a.statements + b.statements,
  rowsRead: a.rowsRead + b.rowsRead,
  rowsWritten: a.rowsWritten + b.rowsWritten,
});

const perMessage = (cost: D1Cost, messages: number) => ({
  rowsWrittenPerMessage: Math.round((cost.rowsWritten / messages) * 10) / 10,
  rowsReadPerMessage: Math.round((cost.rowsRead / messages) * 10) / 10,
  statementsPerMessage: Math.round((cost.statements / messages) * 1000) / 1000,
});

async function apiShape(messages: number, bySql: boolean, inObject = false): Promise<ShapeFigures> {
  // The API-campaign tests' project: a UTILITY template with two body parameters, campaign "orders".
  const { p, account } = await metaCampaign(1000);
  await env.DB.prepare("UPDATE projects SET api_messages = ? WHERE id = ?")
    .bind(inObject ? "object" : "d1", p.id)
    .run();
  const numbers = Array.from({ length: messages }, (_, i) => numberOf(inObject ? 5 : 1, i));
  await seedContacts(p.id, numbers);
  return measureShape(inObject ? "api-object" : "api", messages, bySql, async () => {
    await pooled(numbers, async (destination) => {
      const response = await call("POST", "/campaign/t1/api/v2", {
        body: {
          apiKey: p.sender,
          campaignName: "orders",
          destination,
          userName: "Asha",
          templateParams: ["Asha", "#1"],
        },
      });
      if (response.status !== 200)
        throw new Error(`send answered ${response.status}: ${JSON.stringify(response.body)}`);
    });
    return { projectId: p.id, account, category: "utility" };
  });
}

async function broadcastShape(messages: number, bySql: boolean, inObject = false): Promise<ShapeFigures> {
  const { p, account } = await connectedProject({ autoApprove: true, throughput: 1000 });
  await env.DB.prepare("UPDATE projects SET run_messages = ? WHERE id = ?")
    .bind(inObject ? "object" : "d1", p.id)
    .run();
  const audience = await call("POST", "/v1/create/audience", {
    key: p.manager,
    body: { id: "everyone", name: "Everyone" },
  });
  expect(audience.status, JSON.stringify(audience.body)).toBe(201);
  const pk = await env.DB.prepare("SELECT pk FROM audiences WHERE project_id = ? AND id = 'everyone'")
    .bind(p.id)
    .first<{ pk: number }>();
  await seedContacts(
    p.id,
    Array.from({ length: messages }, (_, i) => numberOf(inObject ? 3 : 2, i)),
    pk?.pk,
  );
  const created = await call("POST", "/v1/create/campaign", {
    key: p.manager,
    body: {
      title: "Winter offer",
      message: "Our winter offer is here. Interested?",
      imgUrl: "https://media.example.test/image.jpg",
      buttons: BUTTONS.map((text, i) => ({ text, type: "input", input: `b${i}` })),
      options: { runImmediately: false },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return measureShape(inObject ? "broadcast-object" : "broadcast", messages, bySql, async () => {
    const run = await call("POST", "/v1/run/campaign", {
      key: p.manager,
      body: { campaignId: created.body.campaign.campaignId, audiences: ["everyone"] },
    });
    if (run.status >= 300) throw new Error(`run answered ${run.status}: ${JSON.stringify(run.body)}`);
    return { projectId: p.id, account, category: "marketing" };
  });
}

/**
 * Rows D1 reads per message for one sends-consumer batch of 100 claimed out of a queued backlog:
 * what a claim costs as the backlog grows. Two figures: the whole batch (claim, the provider's
 * answers recorded, the ledger's log), and the claim's own statements (the opt-out re-check and
 * its log row, then the compare-and-set claim), on a second backlog of the same size.
 */
async function claimReads(backlog: number, bySql: boolean) {
  const { jobs } = await sendBacklog(backlog, 1000, { broadcast: true, firstNumber: backlog });
  const batch = jobs.slice(0, 100).map((body, i) => ({ id: `c${i}`, timestamp: new Date(), attempts: 1, body }));
  const { cost } = await measureD1(env.DB, () => runQueueBatch("wa-campaigns-sends", batch), { bySql });
  if (bySql) printStatements(`claim batch (${backlog} queued)`, cost, batch.length);
  const other = await sendBacklog(backlog, 1000, { broadcast: true, firstNumber: 2 * backlog });
  const ids = other.jobs.slice(0, 100).map((j) => j.messageId);
  const { cost: claimOnly } = await measureD1(env.DB, () =>
    claimMessages(createDb(env.DB), other.projectId, ids, { recheckOptOuts: true }),
  );
  const perMessage = (rows: number) => Math.round((rows / batch.length) * 10) / 10;
  return {
    backlog,
    rowsReadPerClaim: perMessage(cost.rowsRead),
    claimStatementsRowsRead: perMessage(claimOnly.rowsRead),
  };
}

/**
 * Rows a run's object reads per message in one claim of 100 out of `backlog` waiting messages (the
 * claim's own statements: its counters, its cursor and the rows it hands out).
 */
async function objectClaimReads(backlog: number) {
  const stub = runLedger(env, `${8_000_000 + backlog}`);
  const meta = {
    projectId: "prj_bench",
    campaignId: "cmp_bench",
    runId: `run_bench${backlog}`,
    runRef: `${8_000_000 + backlog}`,
  };
  for (let from = 1; from <= backlog; from += 500) {
    const page = Array.from({ length: Math.min(500, backlog - from + 1) }, (_, i) => ({
      slot: from + i,
      number: numberOf(4, from + i),
      payload: JSON.stringify({ body: ["Asha"] }),
      base: null,
      skipReason: null,
    }));
    await stub.record(meta, [], page);
  }
  const before = await objectCost(stub);
  const claimed = await stub.claim(100);
  const after = await objectCost(stub);
  return {
    backlog,
    claimStatementsRowsRead: Math.round(((after.rowsRead - before.rowsRead) / claimed.length) * 10) / 10,
  };
}

/**
 * Rows an API day's object reads per message recording (and so claiming) a consumer batch of 100
 * sends, with `backlog` sends recorded before it: the claim an API send takes there.
 */
async function dayClaimReads(backlog: number) {
  const ref = `${7_000_000 + backlog}`;
  const stub = runLedger(env, ref);
  const meta = { projectId: "prj_bench", campaignId: "cmp_bench", runId: `run_day${backlog}`, runRef: ref, apiDay: 1 };
  const sends = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      slot: from + i,
      number: numberOf(6, from + i),
      payload: JSON.stringify({ body: ["Asha"] }),
      base: null,
      skipReason: null,
      template: "1",
    }));
  await stub.reserve(meta, backlog + 100);
  for (let from = 1; from <= backlog; from += 500)
    await stub.recordSends(meta.projectId, [], sends(from, Math.min(500, backlog - from + 1)));
  const before = await objectCost(stub);
  const { claimed } = await stub.recordSends(meta.projectId, [], sends(backlog + 1, 100));
  const after = await objectCost(stub);
  return {
    backlog,
    claimStatementsRowsRead: Math.round(((after.rowsRead - before.rowsRead) / claimed.length) * 10) / 10,
  };
}

it("measures what a message costs the database over its lifecycle", async () => {
  const scenario: StorageScenario = inject("storageScenario");
  const measure: Record<Shape, () => Promise<ShapeFigures>> = {
    api: () => apiShape(scenario.messages, scenario.bySql),
    "api-object": () => apiShape(scenario.messages, scenario.bySql, true),
    broadcast: () => broadcastShape(scenario.messages, scenario.bySql),
    "broadcast-object": () => broadcastShape(scenario.messages, scenario.bySql, true),
  };
  const shapes: ShapeFigures[] = [];
  for (const shape of scenario.shapes) shapes.push(await measure[shape]());
  const claims = [];
  for (const backlog of scenario.claimBacklogs) claims.push(await claimReads(backlog, scenario.bySql));
  const objectClaims = [];
  for (const backlog of scenario.claimBacklogs) objectClaims.push(await objectClaimReads(backlog));
  const dayClaims = [];
  for (const backlog of scenario.claimBacklogs) dayClaims.push(await dayClaimReads(backlog));
  // The headline is the worst of what a deployment does by default (API_MESSAGES, RUN_MESSAGES):
  // each kind's messages in D1 or in their own objects. The same kind kept the other way is the
  // baseline it is compared with.
  const config = readConfig(env);
  const apiDefault: Shape = config.API_MESSAGES === "object" ? "api-object" : "api";
  const runDefault: Shape = config.RUN_MESSAGES === "object" ? "broadcast-object" : "broadcast";
  // Of the shapes measured (BENCH_STORAGE_SHAPES): the defaults among them, else all of them.
  const measuredDefaults = shapes.filter((s) => s.shape === apiDefault || s.shape === runDefault);
  const defaults = measuredDefaults.length > 0 ? measuredDefaults : shapes;
  const worst = defaults.reduce((a, b) => (a.bytesPerMessage > b.bytesPerMessage ? a : b));
  const claimReadsOf = (shape: Shape, rows: { rowsReadPerClaim?: number; claimStatementsRowsRead: number }[]) =>
    rows.map((c) => (shape === "api" ? (c.rowsReadPerClaim ?? 0) : c.claimStatementsRowsRead));
  const figures = {
    messages: scenario.messages,
    shapes,
    claims,
    objectClaims,
    dayClaims,
    defaults: [apiDefault, runDefault],
    bytesPerMessage: worst.bytesPerMessage,
    rowsWrittenPerMessage: Math.max(...defaults.map((s) => s.rowsWrittenPerMessage)),
    statementsPerMessage: Math.max(...defaults.map((s) => s.statementsPerMessage)),
    // The claims the default shapes take: D1's batch (API sends in D1), an API day's record, a run's object.
    rowsReadPerClaim: Math.max(
      ...claimReadsOf(apiDefault, apiDefault === "api" ? claims : dayClaims),
      ...(runDefault === "broadcast"
        ? claims.map((c) => c.claimStatementsRowsRead)
        : objectClaims.map((c) => c.claimStatementsRowsRead)),
    ),
    messagesPer10GB: Math.floor(D1_MAX_BYTES / worst.bytesPerMessage),
  };
  console.log(`STORAGE ${JSON.stringify(figures)}`);
  // A benchmark, not a test: it refuses only to report a run that did not finish every message,
  // or an object shape whose object's meter counted nothing.
  expect(shapes.every((s) => s.presses === Math.ceil(scenario.messages / 10))).toBe(true);
  expect(shapes.every((s) => !s.object || (s.object.rowsWrittenPerMessage ?? 0) > 0)).toBe(true);
});
