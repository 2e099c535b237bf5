// What reading a campaign's results costs as the campaign grows: the same requests against a
// broadcast campaign of SMALL recipients and one of LARGE, each in its own project, timed one at a
// time and interleaved (small, large, small, …) so that both see the same machine. The figure is
// the ratio of the large campaign's median latency to the small one's, per route. Then what the
// messages of a campaign cost in D1 storage (bench/results/storage.mjs).
import { conditions } from "./conditions.mjs";
import { ratio } from "./ratio.mjs";
import { measureStorage } from "./results/storage.mjs";
import { createProject, startWorker } from "./worker.mjs";

const SMALL = Number(process.env.BENCH_RESULTS_SMALL ?? 1_000);
const LARGE = Number(process.env.BENCH_RESULTS_LARGE ?? 100_000);
const REQUESTS = Number(process.env.BENCH_RESULTS_REQUESTS ?? 200);
const WARM_UP = 20;
// Rows per INSERT, travelling as one JSON parameter (D1 binds at most 100 per statement).
const ROWS_PER_STATEMENT = 500;

/** A cursor as the API writes them (src/platform/http/pagination.ts): base64url of a JSON string. */
const cursor = (runId, id) => Buffer.from(JSON.stringify(`${runId} ${id}`)).toString("base64url");

/**
 * A broadcast campaign with one finished run of `recipients` messages in a project of its own,
 * written straight into D1 as a run leaves them: most read, some delivered or only sent, a tenth
 * failed.
 */
async function seedCampaign(db, projectId, recipients, label) {
  const now = Date.now();
  const campaignId = `cmp_results_${label}`;
  const runId = `run_results_${label}`;
  await db.batch([
    db
      .prepare(
        "INSERT INTO campaigns (id, project_id, kind, name, status, created_at, updated_at) VALUES (?1, ?2, 'broadcast', ?1, 'live', ?3, ?3)",
      )
      .bind(campaignId, projectId, now),
    db
      .prepare(
        "INSERT INTO runs (id, project_id, campaign_id, status, audiences, queued, created_at, started_at, fanned_out_at, finished_at, updated_at) VALUES (?1, ?2, ?3, 'completed', '[]', ?4, ?5, ?5, ?5, ?5, ?5)",
      )
      .bind(runId, projectId, campaignId, recipients, now),
  ]);
  const insert = db.prepare(
    `INSERT INTO messages (id, project_id, campaign_id, run_id, number, status, payload, attempts,
       sent_at, delivered_at, read_at, failed_at, error_code, error_title, created_at, updated_at)
     SELECT j.value ->> '$[0]', ?1, ?2, ?3, j.value ->> '$[1]', j.value ->> '$[2]', '{}', 1,
       j.value ->> '$[3]', j.value ->> '$[4]', j.value ->> '$[5]', j.value ->> '$[6]', j.value ->> '$[7]',
       j.value ->> '$[8]', ?4, ?4 FROM json_each(?5) j`,
  );
  const ids = [];
  for (let start = 0; start < recipients; start += ROWS_PER_STATEMENT * 10) {
    const statements = [];
    for (let s = start; s < Math.min(recipients, start + ROWS_PER_STATEMENT * 10); s += ROWS_PER_STATEMENT) {
      const rows = [];
      for (let i = s; i < Math.min(recipients, s + ROWS_PER_STATEMENT); i++) {
        const id = `msg_${label}_${String(i).padStart(8, "0")}`;
        ids.push(id);
        const kind = i % 10;
        const t = now + i;
        const failed = kind === 9;
        rows.push([
          id,
          `+9197${String(i).padStart(8, "0")}`,
          failed ? "failed" : kind <= 5 ? "read" : kind <= 7 ? "delivered" : "sent",
          failed ? null : t,
          kind <= 7 ? t + 1000 : null,
          kind <= 5 ? t + 2000 : null,
          failed ? t : null,
          failed ? 131026 : null,
          failed ? "Message undeliverable" : null,
        ]);
      }
      statements.push(insert.bind(projectId, campaignId, runId, now, JSON.stringify(rows)));
    }
    await db.batch(statements);
  }
  return { campaignId, runId, middleId: ids[Math.floor(ids.length / 2)] };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function timed(url, headers) {
  const started = performance.now();
  const response = await fetch(url, { headers });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return performance.now() - started;
}

async function latency() {
  const { mf, url } = await startWorker({ consumers: false });
  try {
    const db = await mf.getD1Database("DB");
    const sizes = [];
    for (const [label, recipients] of [
      ["small", SMALL],
      ["large", LARGE],
    ]) {
      const { projectId, key } = await createProject(url, `results-${label}`);
      const seeded = await seedCampaign(db, projectId, recipients, label);
      sizes.push({ label, recipients, headers: { authorization: `Bearer ${key}` }, ...seeded });
    }
    // The pages read must be full ones of the right campaign, or the timings say nothing.
    for (const s of sizes) {
      for (const [from, after] of [
        ["", null],
        [`&cursor=${cursor(s.runId, s.middleId)}`, s.middleId],
      ]) {
        const response = await fetch(`${url}/v1/retrieve/campaign?campaignId=${s.campaignId}&limit=100${from}`, {
          headers: s.headers,
        });
        const page = await response.json();
        if (!response.ok || page.length !== 100 || (after !== null && !(page[0].messageId > after))) {
          throw new Error(`the ${s.label} campaign's page is not 100 recipients in order: ${response.status}`);
        }
      }
    }
    const routes = [
      {
        name: "GET /v1/retrieve/campaign, first page of 100",
        path: (s) => `/v1/retrieve/campaign?campaignId=${s.campaignId}&limit=100`,
      },
      {
        name: "GET /v1/retrieve/campaign, a page of 100 from the middle",
        path: (s) => `/v1/retrieve/campaign?campaignId=${s.campaignId}&limit=100&cursor=${cursor(s.runId, s.middleId)}`,
      },
      { name: "GET /v1/campaigns/{id}/stats", path: (s) => `/v1/campaigns/${s.campaignId}/stats` },
      { name: "GET /v1/runs/{runId}", path: (s) => `/v1/runs/${s.runId}` },
      { name: "GET /v1/retrieve/campaigns", path: () => "/v1/retrieve/campaigns?limit=20" },
    ];
    const rows = [];
    const result = {};
    for (const route of routes) {
      const samples = { small: [], large: [] };
      for (let i = 0; i < WARM_UP + REQUESTS; i++) {
        for (const s of sizes) {
          const ms = await timed(`${url}${route.path(s)}`, s.headers);
          if (i >= WARM_UP) samples[s.label].push(ms);
        }
      }
      const [small, large] = [samples.small, samples.large].map((list) => list.sort((a, b) => a - b));
      const p50 = { small: percentile(small, 50), large: percentile(large, 50) };
      const p95 = { small: percentile(small, 95), large: percentile(large, 95) };
      rows.push({
        route: route.name,
        [`p50 ms at ${SMALL}`]: p50.small.toFixed(2),
        [`p50 ms at ${LARGE}`]: p50.large.toFixed(2),
        [`p95 ms at ${SMALL}`]: p95.small.toFixed(2),
        [`p95 ms at ${LARGE}`]: p95.large.toFixed(2),
        "large / small (p50)": ratio(p50.large, p50.small),
      });
      result[route.name] = ratio(p50.large, p50.small);
    }
    const ratios = Object.values(result);
    return {
      title: `Results as a campaign grows: ${SMALL} against ${LARGE} recipients`,
      rows,
      result: {
        small: SMALL,
        large: LARGE,
        // The worst route: the "same latency at both sizes".
        latencyRatio: Math.max(...ratios),
        perRoute: result,
      },
      conditions: conditions({
        requests: `${REQUESTS} per route and size, one at a time, interleaved, after ${WARM_UP} to warm up`,
        data: "one finished run per campaign, written straight into D1: 60% read, 20% delivered, 10% sent, 10% failed",
      }),
    };
  } finally {
    await mf.dispose();
  }
}

export async function run() {
  const timings = await latency();
  const storage = await measureStorage();
  return {
    ...timings,
    extra: { title: storage.title, rows: storage.rows },
    result: { ...timings.result, storage: storage.figures },
    conditions: {
      ...timings.conditions,
      storage: `one broadcast run of ${storage.figures.messages} contacts through the Worker's consumers and the sandbox provider (statuses played through the events queue); D1's size_after read before the run and once every message is read`,
    },
  };
}
