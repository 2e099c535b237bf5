// What a message costs the D1 database over its whole lifecycle, for an API campaign and a
// broadcast run: runs bench/storage/*.bench-test.ts in the Workers test runtime (its own vitest
// config; `npm test` never runs it), where the real Worker takes every message from its request or
// fan-out through sending and Meta's webhooks. The figures come from D1's own `meta` (size_after,
// rows_written, rows_read), so they do not depend on the machine's speed.
import { conditions } from "./conditions.mjs";
import { ratio } from "./ratio.mjs";
import { runtimeFigures, runtimeStorage } from "./runtime-bench.mjs";

const MARKER = "STORAGE ";

export async function run() {
  // Production's fan-out pages (the tests use pages of two).
  process.env.BENCH_FANOUT_PAGE_SIZE ??= "500";
  const [f] = await runtimeFigures("storage", "bench/storage/vitest.config.ts", MARKER);
  if (!f) throw new Error("the storage benchmark printed no figures");
  return {
    title:
      "storage: what one message costs D1 over its lifecycle (request or fan-out, send, sent, delivered, read, 10% press)",
    rows: f.shapes.map((s) => ({
      shape: s.shape,
      messages: s.messages,
      "bytes/message": s.bytesPerMessage,
      "rows written/message": s.rowsWrittenPerMessage,
      "rows read/message": s.rowsReadPerMessage,
      "statements/message": s.statementsPerMessage,
      "messages per 10 GB": Math.floor((10 * 1000 ** 3) / s.bytesPerMessage),
      seconds: s.seconds,
    })),
    extra: {
      title: "rows read per message claimed: one sends-consumer batch of 100 out of a queued backlog",
      rows: f.claims.map((c, i) => ({
        "queued backlog": c.backlog,
        "D1: rows read/claimed message": c.rowsReadPerClaim,
        "of which the claim's own statements": c.claimStatementsRowsRead,
        "run's own object: the claim's own": f.objectClaims[i]?.claimStatementsRowsRead,
        "API day's object: the record (its claim)": f.dayClaims[i]?.claimStatementsRowsRead,
      })),
    },
    conditions: conditions({
      "messages per shape": f.messages,
      api: "POST /campaign/t1/api/v2, UTILITY template with two body parameters, contacts written first, messages kept in D1 (api_messages = d1): the baseline",
      "api-object":
        "the same sends kept in their campaign's day's own object (api_messages = object); bytes and rows are D1's and the object's, statements D1's",
      broadcast:
        "POST /v1/run/campaign to one audience, image header and two quick-reply buttons, fan-out pages of 500, the run kept in D1 (run_messages = d1): the baseline",
      "broadcast-object":
        "the same run kept in its own object, as runs are by default; bytes and rows are D1's and the object's, statements D1's",
      headline: `the worst of the default shapes (${f.defaults.join(", ")}); rows read per claim: the claims those shapes take`,
      webhooks:
        "sent, delivered, read per message, one status per signed POST through the webhook route; a press by 1 in 10",
      figures: "D1's meta: size_after (bytes), rows_written, rows_read, one statement per result",
      runtime: "workerd via @cloudflare/vitest-plugin, local D1 and Durable Objects",
      "local storage": runtimeStorage,
    }),
    result: {
      messages: f.messages,
      bytesPerMessage: f.bytesPerMessage,
      rowsWrittenPerMessage: f.rowsWrittenPerMessage,
      statementsPerMessage: f.statementsPerMessage,
      rowsReadPerClaim: f.rowsReadPerClaim,
      messagesPer10GB: f.messagesPer10GB,
      api: pick(f.shapes.find((s) => s.shape === "api")),
      apiObject: pickObject(
        f.shapes.find((s) => s.shape === "api-object"),
        f.dayClaims,
      ),
      broadcast: pick(f.shapes.find((s) => s.shape === "broadcast")),
      broadcastObject: pickObject(
        f.shapes.find((s) => s.shape === "broadcast-object"),
        f.objectClaims,
      ),
      // Each kind kept in its own object against the same kept in D1, measured in this run.
      apiObjectToD1: ratios(
        f.shapes.find((s) => s.shape === "api-object"),
        f.shapes.find((s) => s.shape === "api"),
      ),
      objectToD1: ratios(
        f.shapes.find((s) => s.shape === "broadcast-object"),
        f.shapes.find((s) => s.shape === "broadcast"),
      ),
      claims: f.claims,
    },
  };
}

/**
 * A run (or an API day) in its own object: the whole (D1 and object, as each bills), D1's share, the object's, and
 * the rows its claims read at the largest backlog. Statements are D1's (the object's beside them).
 */
const pickObject = (s, claims) =>
  s && {
    ...pick(s),
    d1: s.d1,
    object: s.object,
    rowsReadPerClaim: Math.max(...claims.map((c) => c.claimStatementsRowsRead)),
  };

const ratios = (object, d1) =>
  object &&
  d1 && {
    bytes: ratio(object.bytesPerMessage, d1.bytesPerMessage),
    rowsWritten: ratio(object.rowsWrittenPerMessage, d1.rowsWrittenPerMessage),
    statements: ratio(object.statementsPerMessage, d1.statementsPerMessage),
  };

// A shape not measured (BENCH_STORAGE_SHAPES) is left out of the RESULT line.
const pick = (s) =>
  s && {
    bytesPerMessage: s.bytesPerMessage,
    rowsWrittenPerMessage: s.rowsWrittenPerMessage,
    rowsReadPerMessage: s.rowsReadPerMessage,
    statementsPerMessage: s.statementsPerMessage,
  };
