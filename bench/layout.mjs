// Where a message's bytes sit in the ledger, table by table and index by index, and what another
// layout of the same rows would weigh: D1 reports only the database's total size (`meta.size_after`,
// measured by the storage benchmark), so this one rebuilds the ledger in Node's own SQLite
// (node:sqlite, which has the `dbstat` table D1 does not expose) from the project's migrations and
// takes BENCH_LAYOUT_MESSAGES messages of each shape through the writes of their lifecycle, in the
// batches the Worker uses: recorded (fan-out pages of 500, API slices of 50), claimed and sent
// (batches of 100), delivered, read. The values are the real ones' sizes (ids, numbers, wamids,
// payload patches, billing). Beside the current layout, four others of the same rows: the one before
// migrations 0033 to 0035 (a run's messages named it, and an API campaign's its campaign and
// template, by their 28-character ids, not their short refs), the one before migration 0032 (the
// whole wamid in a unique index), and two candidates: the project named by a short ref as well,
// and the project, campaign, run and template keyed by integers instead of text.
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { conditions } from "./conditions.mjs";
import { ratio } from "./ratio.mjs";

const MESSAGES = Number(process.env.BENCH_LAYOUT_MESSAGES ?? 100_000);
const REFS = ["project_id", "campaign_id", "run_id", "template_id"];
const T0 = 1_796_193_920_082;

const hex = (bytes) => randomBytes(bytes).toString("hex");
const newId = (prefix, at) => `${prefix}_${at.toString(16).padStart(12, "0")}${hex(6)}`;
// A message's id ends in base64url, not hex (src/platform/ids.ts newMessageId).
const newMessageId = (at) => `msg_${at.toString(16).padStart(12, "0")}${randomBytes(6).toString("base64url")}`;
// Meta's wamids are "wamid." and about 44 to 52 characters of base64.
const newWamid = () => `wamid.${randomBytes(33).toString("base64url")}`;

/** The project's schema, as `wrangler d1 migrations apply` builds it. */
function migrated() {
  const db = new DatabaseSync(":memory:");
  const files = readdirSync("migrations").filter((f) => f.endsWith(".sql"));
  for (const file of files.sort()) {
    for (const statement of readFileSync(`migrations/${file}`, "utf8").split("--> statement-breakpoint")) {
      if (statement.trim()) db.exec(statement);
    }
  }
  // The rows are the ledger's alone: the projects and campaigns they name are not written.
  db.exec("PRAGMA foreign_keys = OFF");
  return db;
}

/** The same schema with the ledger's references as integers: its table rebuilt, its indexes kept. */
function integerKeyed() {
  const db = migrated();
  const table = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'messages'").get().sql;
  const indexes = db
    .prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL")
    .all()
    .map((r) => r.sql);
  db.exec("DROP TABLE messages");
  let ddl = table.replace(/,\s*FOREIGN KEY[^\n]*\n/, "\n");
  for (const ref of REFS) ddl = ddl.replace(`\`${ref}\` text`, `\`${ref}\` integer`);
  db.exec(ddl);
  for (const sql of indexes) db.exec(sql);
  return db;
}

/** The schema as it was before migration 0032: the whole wamid in a unique index. */
function wholeWamid() {
  const db = migrated();
  db.exec(
    "DROP INDEX messages_wamid_key; CREATE UNIQUE INDEX messages_wamid ON messages (wamid) WHERE wamid IS NOT NULL;",
  );
  return db;
}

const LAYOUTS = {
  current: migrated,
  "text ids": migrated,
  "whole wamid": wholeWamid,
  "project ref": migrated,
  "integer keys": integerKeyed,
};

/** A shape's messages taken through their lifecycle, in the Worker's batch sizes. */
function live(db, shape, keys) {
  const insert = db.prepare(
    `INSERT INTO messages (id, project_id, campaign_id, run_id, template_id, number, status, payload, attempts,
       created_at, updated_at, trail, tx, payload_base)
     VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, 0, ?, ?, 'q', ?, 1)`,
  );
  const step = (sql) => db.prepare(`UPDATE messages SET ${sql}, tx = ? WHERE id = ?`);
  const claim = step("status = 'sending', attempts = 1, claimed_at = ?, updated_at = ?, trail = trail || 'c'");
  const sent = step("status = 'sent', wamid = ?, sent_at = ?, updated_at = ?, trail = trail || 's'");
  const delivered = step("status = 'delivered', delivered_at = ?, updated_at = ?, billing = ?, trail = trail || 'd'");
  const read = step("status = 'read', read_at = ?, updated_at = ?, trail = trail || 'r'");
  const tx = () => Math.floor(Math.random() * 2 ** 47);
  const ids = [];
  const recordBatch = shape === "broadcast" ? 500 : 50;
  for (let i = 0; i < MESSAGES; i += recordBatch) {
    db.exec("BEGIN");
    const at = T0 + i;
    for (let j = i; j < Math.min(MESSAGES, i + recordBatch); j++) {
      const id = newMessageId(at);
      ids.push(id);
      // A broadcast template without body variables keeps its empty body in the shared base.
      const payload = shape === "broadcast" ? "{}" : '{"body":["Asha","#1"]}';
      insert.run(
        id,
        keys.project,
        keys.campaign,
        keys.run,
        keys.template,
        `+91972${String(j).padStart(7, "0")}`,
        payload,
        at,
        at,
        tx(),
      );
    }
    db.exec("COMMIT");
  }
  const billing = shape === "broadcast" ? "marketing IN" : "utility IN";
  const batches = (work) => {
    for (let i = 0; i < ids.length; i += 100) {
      db.exec("BEGIN");
      for (const id of ids.slice(i, i + 100)) work(id, T0 + MESSAGES + i);
      db.exec("COMMIT");
    }
  };
  batches((id, at) => claim.run(at, at, tx(), id));
  batches((id, at) => sent.run(newWamid(), at, at, tx(), id));
  batches((id, at) => delivered.run(at + 4000, at + 4000, billing, tx(), id));
  batches((id, at) => read.run(at + 7000, at + 7000, tx(), id));
}

/** Bytes per message of the ledger's table and of each of its indexes (pages, as D1 stores them). */
function bytesOf(db) {
  const rows = db
    .prepare(
      `SELECT name, sum(pgsize) AS bytes FROM dbstat
       WHERE name = 'messages' OR name IN (SELECT name FROM sqlite_master WHERE tbl_name = 'messages')
       GROUP BY name`,
    )
    .all();
  return Object.fromEntries(rows.map((r) => [r.name, Math.round(r.bytes / MESSAGES)]));
}

/**
 * Bytes per response of a quick-reply press, its row and its three indexes: responses stay in D1
 * past the retention (docs/archive.md), so a deployment's size grows by them for good. Presses of a
 * broadcast run's messages, one each, received in batches of 100 as the events consumer stores them.
 */
function responseBytes() {
  const db = migrated();
  const insert = db.prepare(
    `INSERT INTO responses (project_id, number, message_id, campaign_id, run_id, wamid, kind, payload, text, received_at)
     VALUES (?, ?, ?, ?, ?, ?, 'button', ?, 'Yes', ?)`,
  );
  const project = newId("prj", T0);
  const campaign = newId("cmp", T0);
  const run = newId("run", T0);
  for (let i = 0; i < MESSAGES; i += 100) {
    db.exec("BEGIN");
    for (let j = i; j < Math.min(MESSAGES, i + 100); j++) {
      const number = `+91972${String(j).padStart(7, "0")}`;
      insert.run(project, number, newMessageId(T0 + j), campaign, run, newWamid(), `bcb:${campaign}:0`, T0 + j);
    }
    db.exec("COMMIT");
  }
  const { bytes } = db
    .prepare(
      `SELECT sum(pgsize) AS bytes FROM dbstat
       WHERE name = 'responses' OR name IN (SELECT name FROM sqlite_master WHERE tbl_name = 'responses')`,
    )
    .get();
  db.close();
  return Math.round(bytes / MESSAGES);
}

/** Column titles: the table's own pages are its rows; SQLite's index of the text primary key is the id's. */
const PART_NAMES = { messages: "row", sqlite_autoindex_messages_1: "id (primary key)" };

function measure(layout, shape) {
  const db = LAYOUTS[layout]();
  const at = T0 - 1000;
  // A broadcast run's messages name neither campaign nor template: the run names both.
  const text = {
    // A candidate: the project named by a short ref too, as runs and campaigns are.
    project: layout === "project ref" ? "42" : newId("prj", at),
    // A campaign's or run's ref (src/platform/db/schema/campaigns.ts, runs.ts): a deployment's
    // few-thousandth.
    campaign: shape === "broadcast" ? null : layout === "text ids" ? newId("cmp", at) : "1234",
    run: shape === "broadcast" ? (layout === "text ids" ? newId("run", at) : "4321") : null,
    // A template's number in template_refs (src/platform/db/schema/templates.ts).
    template: shape === "broadcast" ? null : layout === "text ids" ? newId("tpl", at) : "321",
  };
  const integer = {
    project: 7,
    campaign: shape === "broadcast" ? null : 1234,
    run: shape === "broadcast" ? 56789 : null,
    template: shape === "broadcast" ? null : 321,
  };
  live(db, shape, layout === "integer keys" ? integer : text);
  const parts = bytesOf(db);
  db.close();
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  return { layout, shape, total, parts };
}

export async function run() {
  const measured = [];
  for (const layout of Object.keys(LAYOUTS)) {
    for (const shape of ["api", "broadcast"]) measured.push(measure(layout, shape));
  }
  const names = [...new Set(measured.flatMap((m) => Object.keys(m.parts)))].filter((n) =>
    measured.some((m) => (m.parts[n] ?? 0) > 0),
  );
  const find = (layout, shape) => measured.find((m) => m.layout === layout && m.shape === shape);
  const summary = (layout) => {
    const api = find(layout, "api");
    const broadcast = find(layout, "broadcast");
    const held = (parts) => Object.fromEntries(Object.entries(parts).filter(([, bytes]) => bytes > 0));
    return {
      api: api.total,
      broadcast: broadcast.total,
      apiParts: held(api.parts),
      broadcastParts: held(broadcast.parts),
    };
  };
  const current = summary("current");
  const whole = summary("whole wamid");
  const textIds = summary("text ids");
  const projectRef = summary("project ref");
  const integer = summary("integer keys");
  const perResponse = responseBytes();
  return {
    title: "layout: where a message's bytes sit in the ledger (its row and its index entries), modeled in SQLite",
    rows: measured.map((m) => ({
      layout: m.layout,
      shape: m.shape,
      "bytes/message": m.total,
      ...Object.fromEntries(names.map((n) => [PART_NAMES[n] ?? n, m.parts[n] ?? 0])),
    })),
    conditions: conditions({
      runtime: `Node's SQLite ${new DatabaseSync(":memory:").prepare("SELECT sqlite_version() AS v").get().v} (node:sqlite), in memory, 4,096-byte pages as D1`,
      "messages per shape": MESSAGES,
      lifecycle:
        "recorded (pages of 500 / slices of 50), claimed, sent, delivered, read: one transaction per batch of 100",
      scope: "the messages table and its indexes only (not contacts, responses, the log or payload bases)",
      "text ids":
        "the layout before migrations 0033 to 0035: run, campaign and template named by their 28-character ids",
      "whole wamid": "the layout before migration 0032: the whole wamid in a unique index",
      "project ref": "a candidate: the current layout with the project named by a short ref as well",
      "integer keys": "project, campaign, run and template as integers in the row and in every index",
      responses: `${MESSAGES} quick-reply presses (responses and their indexes), kept past the retention`,
    }),
    result: {
      messages: MESSAGES,
      current: { api: current.api, broadcast: current.broadcast },
      textIds: { api: textIds.api, broadcast: textIds.broadcast },
      wholeWamid: { api: whole.api, broadcast: whole.broadcast },
      projectRef: { api: projectRef.api, broadcast: projectRef.broadcast },
      integerKeys: { api: integer.api, broadcast: integer.broadcast },
      byPart: { api: current.apiParts, broadcast: current.broadcastParts },
      bytesPerResponse: perResponse,
      currentToTextIds: {
        api: ratio(current.api, textIds.api),
        broadcast: ratio(current.broadcast, textIds.broadcast),
      },
      currentToWholeWamid: { api: ratio(current.api, whole.api), broadcast: ratio(current.broadcast, whole.broadcast) },
      projectRefToCurrent: {
        api: ratio(projectRef.api, current.api),
        broadcast: ratio(projectRef.broadcast, current.broadcast),
      },
      integerToCurrent: {
        api: ratio(integer.api, current.api),
        broadcast: ratio(integer.broadcast, current.broadcast),
      },
    },
  };
}
