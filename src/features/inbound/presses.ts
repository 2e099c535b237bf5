import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../platform/db/client";
import { inJsonList } from "../../platform/db/json-list";
import type { Transition } from "../../platform/db/schema";
import { campaigns, responses, wamidIn } from "../../platform/db/schema";
import { createLogger, type Logger } from "../../platform/log";
import { sendSends } from "../../queues/producers";
import { parseButtonPayload } from "../broadcast-messages/payload";
import { type JourneyPress, type JourneyReplies, journeyReplies } from "../journeys/replies";
import { journeysByIds } from "../journeys/store";
import { afterTransitions } from "../messages/after-transitions";
import { type InputPress, insertInputGroup, recordInputStatement } from "../variable-groups/store";
import type { InboundResponse } from "./parse";

// What a press of a broadcast campaign's quick-reply button does. The button's payload
// (`bcb:<campaignId>:<index>`, src/features/broadcast-messages/payload.ts) names the campaign and the button; the
// campaign's stored buttons say what the button is: an `input` button records the press in the
// campaign's input group, a `journey` button sends the journey's messages to the presser.

/** A button as the campaign stored it; read loosely, since a row may predate today's checks. */
interface StoredButton {
  type?: unknown;
  text?: unknown;
  input?: unknown;
  journeyId?: unknown;
}

export interface PressOutcome {
  inputs: number;
  journeys: number;
  /** Presses that did nothing: unknown campaign or button, a non-quick-reply button, a deleted journey. */
  ignored: number;
}

const str = (value: unknown) => (typeof value === "string" ? value : "");

/** The project's broadcast campaigns among `ids`, with their names and buttons, in one query. */
async function pressedCampaigns(db: Db, projectId: string, ids: string[]) {
  const rows = await db
    .select({ id: campaigns.id, name: campaigns.name, buttons: campaigns.buttons })
    .from(campaigns)
    .where(
      and(
        eq(campaigns.projectId, projectId),
        eq(campaigns.kind, "broadcast"),
        // One JSON parameter for the ids, however many: D1 binds at most 100 per statement.
        inJsonList(campaigns.id, ids),
      ),
    );
  return new Map(
    rows.map((row) => [row.id, { name: row.name, buttons: (row.buttons as StoredButton[] | null) ?? [] }]),
  );
}

/**
 * Acts on presses whose response rows were just stored (a replayed webhook stores none, so it
 * acts on none). Another project's campaign is not found, like a campaign that does not exist:
 * a payload naming it does nothing. All writes are one D1 batch; journey messages are enqueued
 * after it. Throws on a D1 or queue failure, after which the caller lets the event be retried.
 */
export async function actOnPresses(
  db: Db,
  projectId: string,
  presses: InboundResponse[],
  log?: Logger,
): Promise<PressOutcome> {
  const outcome: PressOutcome = { inputs: 0, journeys: 0, ignored: 0 };
  const refs = presses.flatMap((press) => {
    const ref = parseButtonPayload(press.payload);
    return ref ? [{ press, ref }] : [];
  });
  outcome.ignored = presses.length - refs.length;
  if (refs.length === 0) return outcome;

  const found = await pressedCampaigns(
    db,
    projectId,
    refs.map((r) => r.ref.campaignId),
  );
  const statements: BatchItem<"sqlite">[] = [];
  const inputs: InputPress[] = [];
  const groups = new Map<string, { name: string; at: number }>();
  const journeyPresses: { press: JourneyPress; journeyId: string }[] = [];
  for (const { press, ref } of refs) {
    const campaign = found.get(ref.campaignId);
    const button = campaign?.buttons[ref.index];
    if (!campaign || !button) {
      outcome.ignored += 1;
      log?.info("press of an unknown campaign or button ignored", { projectId, campaignId: ref.campaignId });
      continue;
    }
    const text = str(button.text);
    if (button.type === "input") {
      inputs.push({
        campaignId: ref.campaignId,
        number: press.number,
        button: text,
        input: str(button.input) || text,
        pressedAt: press.receivedAt,
      });
      groups.set(ref.campaignId, { name: campaign.name, at: press.receivedAt });
      outcome.inputs += 1;
    } else if (button.type === "journey" && str(button.journeyId)) {
      journeyPresses.push({
        journeyId: str(button.journeyId),
        press: {
          projectId,
          number: press.number,
          wamid: press.wamid,
          pressedAt: press.receivedAt,
          campaignId: ref.campaignId,
          button: ref.index,
        },
      });
    } else {
      // Phone and url buttons are not quick replies: WhatsApp never reports their presses.
      outcome.ignored += 1;
    }
  }

  // A campaign's input group is created with the campaign; creating it here too (a no-op when it
  // exists) keeps a press from being lost if it is missing. Then every input press, one statement.
  for (const [campaignId, { name, at }] of groups) {
    statements.push(insertInputGroup(db, projectId, campaignId, name, at).onConflictDoNothing());
  }
  if (inputs.length > 0) statements.push(recordInputStatement(db, projectId, inputs));

  const jobs: JourneyReplies["jobs"] = [];
  const inserts: { statement: number; transition: Transition }[] = [];
  if (journeyPresses.length > 0) {
    const journeys = await journeysByIds(
      db,
      projectId,
      journeyPresses.map((j) => j.journeyId),
    );
    for (const { press, journeyId } of journeyPresses) {
      const journey = journeys.get(journeyId);
      if (!journey) {
        // Deleting a journey leaves the buttons naming it; their presses get no reply.
        outcome.ignored += 1;
        log?.warn("journey button pressed but the journey does not exist; nothing sent", {
          projectId,
          campaignId: press.campaignId,
          journeyId,
        });
        continue;
      }
      const replies = await journeyReplies(db, press, journey);
      const offset = statements.length;
      statements.push(...replies.statements);
      jobs.push(...replies.jobs);
      inserts.push(...replies.transitions.map((t) => ({ ...t, statement: t.statement + offset })));
      outcome.journeys += 1;
    }
  }

  if (statements.length > 0) {
    const [first, ...rest] = statements;
    const results = (await db.batch([first as BatchItem<"sqlite">, ...rest])) as unknown[];
    const transitions = inserts.flatMap(({ statement, transition }) =>
      ((results[statement] as unknown[] | undefined)?.length ?? 0) > 0 ? [transition] : [],
    );
    await sendSends(env, jobs);
    await afterTransitions(env, transitions, log ?? createLogger({ task: "presses" }));
  }
  if (outcome.inputs > 0 || outcome.journeys > 0) log?.info("button presses answered", { projectId, ...outcome });
  return outcome;
}

/**
 * actOnPresses, undone on failure: the presses' response rows are deleted again before the error
 * goes up, so that the event's retry stores them anew and answers them then. Answering twice is
 * harmless: input records are upserts, journey messages have ids derived from the press.
 */
export async function answerPresses(db: Db, projectId: string, presses: InboundResponse[], log?: Logger) {
  try {
    return await actOnPresses(db, projectId, presses, log);
  } catch (err) {
    await db
      .delete(responses)
      .where(
        and(
          eq(responses.projectId, projectId),
          wamidIn(
            "responses.wamid",
            presses.map((p) => p.wamid),
          ),
        ),
      )
      .catch((undo: unknown) => log?.error("could not forget unanswered presses", { projectId, err: undo }));
    throw err;
  }
}
