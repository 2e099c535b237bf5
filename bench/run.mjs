// `npm run bench`: every benchmark in turn, each printing its figures and the conditions, then one
// `RESULT <name> {json}` line of its figures and ratios, so a script can read a run without parsing tables.
import { run as api } from "./api.mjs";
import { run as apiSend } from "./api-send.mjs";
import { run as callbacks } from "./callbacks.mjs";
import { run as dashboard } from "./dashboard.mjs";
import { run as events } from "./events.mjs";
import { run as fanout } from "./fanout.mjs";
import { run as faults } from "./faults.mjs";
import { run as importCsv } from "./import.mjs";
import { run as layout } from "./layout.mjs";
import { run as pacing } from "./pacing.mjs";
import { run as results } from "./results.mjs";
import { run as sends } from "./sends.mjs";
import { run as shard } from "./shard.mjs";
import { run as storage } from "./storage.mjs";
import { run as webhooks } from "./webhooks.mjs";

const benches = {
  api,
  "api-send": apiSend,
  sends,
  webhooks,
  events,
  fanout,
  import: importCsv,
  results,
  storage,
  layout,
  shard,
  callbacks,
  pacing,
  faults,
  dashboard,
};
const only = process.argv.slice(2);

for (const [name, bench] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const { title, rows, extra, conditions, result } = await bench();
  console.log(`\n## ${title}`);
  console.table(rows);
  if (extra) {
    console.log(extra.title);
    console.table(extra.rows);
  }
  console.table(conditions);
  console.log(`RESULT ${name} ${JSON.stringify(result)}`);
}
