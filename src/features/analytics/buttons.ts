import { sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { buttonPayload } from "../broadcast-messages/payload";

// Clicks per quick-reply button: the presses stored as responses (template `button` messages and
// interactive replies) of a campaign, or of one of its runs, grouped by what identifies a button —
// its payload, or its label when a press carries none. A broadcast campaign's own quick replies are
// listed by index (their payload is `bcb:<campaignId>:<index>`), pressed or not; any other press
// (a button the campaign no longer has, an API campaign template's button) by its payload and text.

export interface ButtonClicks {
  /** The button's place among the broadcast campaign's `buttons`; null for any other press. */
  index: number | null;
  text: string | null;
  payload: string | null;
  presses: number;
  people: number;
}

interface PressGroup {
  payload: string | null;
  text: string | null;
  presses: number;
  people: number;
}

/** A button as the campaign stored it; read loosely, since a row may predate today's checks. */
interface StoredButton {
  type?: unknown;
  text?: unknown;
}

/**
 * The presses of a campaign (of one run when `runId` is given), one row per button: one read
 * through the campaign's responses index. A completed Flow is an interactive reply too, but its
 * payload is its answers (a JSON object): it is no button.
 */
function pressGroups(db: Db, projectId: string, campaignId: string, runId?: string) {
  const ofRun = runId === undefined ? sql`1` : sql`r.run_id = ${runId}`;
  return db.all<PressGroup>(sql`
    SELECT r.payload AS payload, max(r.text) AS text, count(*) AS presses, count(DISTINCT r.number) AS people
    FROM responses r
    WHERE r.project_id = ${projectId} AND r.campaign_id = ${campaignId} AND ${ofRun}
      AND r.kind IN ('button', 'interactive')
      AND NOT (r.kind = 'interactive' AND coalesce(substr(r.payload, 1, 1), '') = '{')
    GROUP BY r.payload, CASE WHEN r.payload IS NULL THEN r.text END`);
}

const isQuickReply = (b: StoredButton) => b.type === "input" || b.type === "journey";

/**
 * The campaign's quick-reply buttons in order, each with its presses, then every other press
 * group, most pressed first.
 */
export async function buttonClicks(
  db: Db,
  projectId: string,
  campaign: { id: string; buttons: unknown },
  runId?: string,
): Promise<ButtonClicks[]> {
  const groups = await pressGroups(db, projectId, campaign.id, runId);
  const byPayload = new Map(groups.filter((g) => g.payload !== null).map((g) => [g.payload, g]));
  const stored = Array.isArray(campaign.buttons) ? (campaign.buttons as StoredButton[]) : [];
  const own: ButtonClicks[] = [];
  stored.forEach((button, index) => {
    if (!isQuickReply(button)) return;
    const payload = buttonPayload({ campaignId: campaign.id, index });
    const group = byPayload.get(payload);
    const text = typeof button.text === "string" ? button.text : (group?.text ?? null);
    own.push({ index, text, payload, presses: group?.presses ?? 0, people: group?.people ?? 0 });
  });
  const listed = new Set(own.map((b) => b.payload));
  const others = groups
    .filter((g) => g.payload === null || !listed.has(g.payload))
    .map((g) => ({ index: null, text: g.text, payload: g.payload, presses: g.presses, people: g.people }))
    .sort((a, b) => b.presses - a.presses || (a.payload ?? a.text ?? "").localeCompare(b.payload ?? b.text ?? ""));
  return [...own, ...others];
}
