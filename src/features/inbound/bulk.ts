import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaignOfSql, contacts, responseIsNew, responses, wamidIs } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import { applyInboundActions } from "./handle";
import type { InboundAction, InboundResponse, Seen } from "./parse";
import { answerPresses } from "./presses";
import { routed, routedJoins } from "./routed";

// Most inbound webhooks of a campaign are one person, known by number, pressing a button or
// replying: a contact's last-message time and one response row. Applied change by change that is
// two statements each, so 1,000 presses a second would be 2,000 statements a second where D1 runs
// about 1,000. The events consumer gathers such changes of its whole batch here and applies them in
// two set-based statements (contacts, responses) of one D1 batch, whatever their number and
// project. Anything else — an opt-out keyword, a preference, a moved number, a person known by
// business-scoped user id — stays on the ordered path of its own change (./handle.ts): those are
// the actions whose order matters, and these commute with them (a last-message time only grows; a
// response is stored once by its wamid).

type Plain = Seen | InboundResponse;

/** What a change adds to the bulk: its actions and who answers for them (a queue message). */
interface Item {
  owner: string;
  projectId: string;
  actions: Plain[];
}

/** A person written to by number alone, or a response: what the bulk can apply. */
const isPlain = (a: InboundAction): a is Plain =>
  (a.type === "seen" && a.who.number !== null && a.who.userId === null) || a.type === "response";

export class InboundBulk {
  private readonly items: Item[] = [];

  /** Gathers a change's actions if all are plain (false leaves them to the caller); `owner` answers for them. */
  take(projectId: string, actions: InboundAction[], owner: string): boolean {
    if (actions.length === 0 || !actions.every(isPlain)) return false;
    this.items.push({ owner, projectId, actions });
    return true;
  }

  /**
   * Applies everything gathered: two statements in one D1 batch, then each project's new presses
   * answered. What failed is applied again change by change; returns the owners of the changes that
   * still failed (their queue messages are to be retried).
   */
  async apply(db: Db, log?: Logger): Promise<Set<string>> {
    if (this.items.length === 0) return new Set();
    let retry: Item[];
    try {
      retry = await this.applyTogether(db, log);
    } catch (err) {
      log?.warn("a batch's inbound messages could not be applied together; applying them one by one", { err });
      retry = this.items;
    }
    const failed = new Set<string>();
    for (const item of retry) {
      try {
        await applyInboundActions(db, item.projectId, item.actions, log);
      } catch (err) {
        log?.error("inbound change failed; will retry", { projectId: item.projectId, err });
        failed.add(item.owner);
      }
    }
    return failed;
  }

  /** Returns the items of projects whose presses could not be answered (their responses undone). */
  private async applyTogether(db: Db, log?: Logger): Promise<Item[]> {
    const now = Date.now();
    const seen: [string, string, number | null][] = [];
    const said: (InboundResponse & { projectId: string })[] = [];
    for (const { projectId, actions } of this.items) {
      for (const a of actions) {
        if (a.type === "seen") seen.push([projectId, a.who.number as string, a.at]);
        else said.push({ ...a, projectId });
      }
    }
    const statements = [];
    if (seen.length > 0) statements.push(seenStatement(db, seen, now));
    const stored = said.length > 0 ? statements.push(responsesStatement(db, said)) - 1 : -1;
    const [first, ...rest] = statements;
    if (!first) return [];
    const results = (await db.batch([first, ...rest])) as unknown[];
    const inserted = new Set(
      stored < 0
        ? []
        : (results[stored] as { projectId: string; wamid: string }[]).map((r) => `${r.projectId} ${r.wamid}`),
    );
    if (inserted.size > 0) {
      log?.info("inbound applied in bulk", { changes: this.items.length, responsesStored: inserted.size });
    }
    // Only presses stored just now are answered: a replayed webhook answers nothing twice.
    const presses = new Map<string, InboundResponse[]>();
    for (const r of said) {
      const key = `${r.projectId} ${r.wamid}`;
      if (!inserted.has(key) || (r.kind !== "button" && r.kind !== "interactive")) continue;
      // The same press twice in one batch (a redelivered webhook) is answered once.
      inserted.delete(key);
      presses.set(r.projectId, [...(presses.get(r.projectId) ?? []), r]);
    }
    const answered = await Promise.allSettled(
      [...presses].map(async ([projectId, list]) => answerPresses(db, projectId, list, log).then(() => projectId)),
    );
    // answerPresses deleted the responses of a project it could not answer: its changes go again.
    const unanswered = new Set([...presses.keys()]);
    for (const a of answered) if (a.status === "fulfilled") unanswered.delete(a.value);
    return this.items.filter((item) => unanswered.has(item.projectId));
  }
}

/**
 * The contacts of people who wrote, by number: created if new, their last-message time moved
 * forward if later. A row changes only when something does (a replay leaves it as it was).
 */
function seenStatement(db: Db, seen: [string, string, number | null][], now: number) {
  // The SELECT lists every column of contacts in its schema order, as INSERT … SELECT takes them.
  return db
    .insert(contacts)
    .select(
      sql`SELECT NULL, j.value ->> '$[0]', j.value ->> '$[1]', NULL, NULL, 0, NULL, NULL, j.value ->> '$[2]', ${now}, ${now}
          FROM json_each(${JSON.stringify(seen)}) j WHERE true`,
    )
    .onConflictDoUpdate({
      target: [contacts.projectId, contacts.number],
      set: {
        lastMessageAt: sql`CASE WHEN excluded.last_message_at IS NULL THEN "contacts"."last_message_at"
          ELSE max(coalesce("contacts"."last_message_at", 0), excluded.last_message_at) END`,
        updatedAt: sql`excluded.updated_at`,
      },
      setWhere: sql`excluded.last_message_at IS NOT NULL AND coalesce("contacts"."last_message_at", 0) < excluded.last_message_at`,
    });
}

/**
 * The responses, each linked to the message it answers (and that message's campaign and run) when
 * its `context.id` is one of its project's wamids, and kept unlinked otherwise — as handle.ts
 * stores one, for many at once.
 */
function responsesStatement(db: Db, said: (InboundResponse & { projectId: string })[]) {
  // Each wamid once (a webhook redelivered into the same batch): the statement checks the table,
  // not its own list (`responseIsNew`).
  const once = new Map(said.map((r) => [`${r.projectId} ${r.wamid}`, r]));
  const rows = [...once.values()].map((r) => ({
    p: r.projectId,
    n: r.number,
    w: r.wamid,
    k: r.kind,
    y: r.payload,
    t: r.text,
    x: r.contextId,
    c: r.campaignId,
    at: r.receivedAt,
  }));
  // Column order of responses: id, project_id, number, message_id, campaign_id, run_id, wamid,
  // kind, payload, text, received_at. The list is the join's outer loop; each message is found by
  // its wamid's index.
  return db
    .insert(responses)
    .select(
      sql`SELECT NULL, r.value ->> '$.p', r.value ->> '$.n', ${routed.messageId},
            coalesce(${sql.raw(campaignOfSql("m"))}, rr.campaign_id, (SELECT c.id FROM campaigns c WHERE c.project_id = r.value ->> '$.p' AND c.id = r.value ->> '$.c')),
            ${routed.runId}, r.value ->> '$.w', r.value ->> '$.k', r.value ->> '$.y', r.value ->> '$.t', r.value ->> '$.at'
          FROM json_each(${JSON.stringify(rows)}) r
          LEFT JOIN messages m ON ${wamidIs("m.wamid", sql`r.value ->> '$.x'`)} AND m.project_id = r.value ->> '$.p'
          ${routedJoins(sql`r.value ->> '$.x'`, sql`r.value ->> '$.p'`)}
          WHERE ${responseIsNew(sql`r.value ->> '$.p'`, sql`r.value ->> '$.w'`)}`,
    )
    .returning({ projectId: responses.projectId, wamid: responses.wamid });
}
