// Request throughput and latency of the foundation routes, next to a bare route of the same Worker.
import { conditions } from "./conditions.mjs";
import { figures, load } from "./load.mjs";
import { ratio } from "./ratio.mjs";
import { createProject, startWorker } from "./worker.mjs";

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

export async function run() {
  const { mf, url } = await startWorker();
  try {
    const { key } = await createProject(url);
    const auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    await fetch(`${url}/v1/tags`, { method: "POST", headers: auth, body: JSON.stringify({ name: "vip" }) });

    let n = 0;
    const upsert = {
      method: "POST",
      setupRequest: (req) => {
        n += 1;
        const number = `+9198${String(n).padStart(8, "0")}`;
        return { ...req, body: JSON.stringify({ number, name: `Lead ${n}`, source: "bench", tags: ["vip"] }) };
      },
    };

    const rows = [];
    const common = { connections: CONNECTIONS, seconds: SECONDS };
    rows.push(await load({ name: "GET /health (bare route)", url: `${url}/health`, ...common }));
    rows.push(
      await load({ name: "GET /v1/project (auth + 2 reads)", url: `${url}/v1/project`, headers: auth, ...common }),
    );
    rows.push(
      await load({
        name: "POST /v1/contacts (upsert, tag)",
        url: `${url}/v1/contacts`,
        headers: auth,
        requests: [upsert],
        ...common,
      }),
    );
    rows.push(
      await load({ name: "GET /v1/contacts?limit=50", url: `${url}/v1/contacts?limit=50`, headers: auth, ...common }),
    );
    const bare = rows[0]["req/s"];
    for (const row of rows) row["vs bare"] = `${((row["req/s"] / bare) * 100).toFixed(0)}%`;
    const [health, project, contactUpsert, contactList] = rows;
    const vsBare = (row) => ({ ...figures(row), ratioToBare: ratio(row["req/s"], bare) });
    return {
      title: "API routes",
      rows,
      result: {
        health: figures(health),
        project: vsBare(project),
        contactUpsert: vsBare(contactUpsert),
        contactList: vsBare(contactList),
      },
      conditions: conditions({ connections: CONNECTIONS, secondsPerScenario: SECONDS, contactsUpserted: n }),
    };
  } finally {
    await mf.dispose();
  }
}
