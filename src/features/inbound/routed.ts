import { type SQL, sql } from "drizzle-orm";
import { routedRunRefSql, runIdOfSql, runRefSql } from "../../platform/db/schema";

// A reply that quotes a message a run keeps in its own object finds it through wamid_routes, where
// one in D1 finds it through messages (alias `m`): the joins below give the route (`rt`) and its
// run (`rr`, the reply's project's only), looked for only when messages had none.

/** The joins (`wamid`, `projectId`: SQL of the quoted wamid and of the reply's project). */
export const routedJoins = (wamid: SQL, projectId: SQL) =>
  sql`LEFT JOIN wamid_routes rt ON m.id IS NULL AND rt.key = substr(${wamid}, -16)
      LEFT JOIN runs rr ON ${sql.raw(runRefSql("rr"))} = ${sql.raw(routedRunRefSql("rt.message_id"))} AND rr.project_id = ${projectId}`;

/** The answered message's id and its run's public id, from messages or the route. */
export const routed = {
  messageId: sql`coalesce(m.id, iif(rr.id IS NULL, NULL, rt.message_id))`,
  runId: sql`coalesce(${sql.raw(runIdOfSql("m"))}, rr.id)`,
};
