import { env } from "cloudflare:workers";
import { buttonPayload } from "../../src/features/broadcast-messages/payload";
import { finishedRun, MEMBERS } from "../archive/archive.helpers";
import { call } from "../helpers";
import { buttonReply, inbound, messagesValue, newWamid, press, text } from "../inbound/inbound.helpers";

// A finished sandbox run (two failed, one delivered and unread, two read) whose recipients then
// wrote back in every way that matters to "replied" and to button clicks.

const HOUR = 60 * 60 * 1000;

export const analytics = (key: string | undefined, path: string) => call("GET", path, { key });

interface Sent {
  id: string;
  number: string;
  wamid: string | null;
  delivered_at: number | null;
  read_at: number | null;
}

/** Meta's timestamp (Unix seconds) `offset` ms after the moment `ms`, rounded away from it. */
const seconds = (ms: number, offset: number) =>
  offset >= 0 ? Math.ceil((ms + offset) / 1000) : Math.floor((ms + offset) / 1000);

export async function repliedRun() {
  // Its wamids are read from D1's messages table below.
  const run = await finishedRun("d1");
  const { p, campaignId, runId } = run;
  // Two quick replies and a link; a press of index 7 names a button the campaign no longer has.
  const buttons = [
    { type: "input", text: "Yes", input: "yes" },
    { type: "input", text: "No", input: "no" },
    { type: "url", text: "Shop", url: "https://shop.example.com" },
  ];
  await env.DB.prepare("UPDATE campaigns SET buttons = ? WHERE id = ?").bind(JSON.stringify(buttons), campaignId).run();
  const { results } = await env.DB.prepare(
    "SELECT id, number, wamid, delivered_at, read_at FROM messages WHERE run_id = (SELECT coalesce(ref, id) FROM runs WHERE id = ?) ORDER BY number",
  )
    .bind(runId)
    .all<Sent>();
  const by = new Map(results.map((m) => [m.number, m]));
  const sent = (number: string | undefined) => {
    const m = by.get(number ?? "");
    if (!m) throw new Error(`no message to ${number}`);
    return m;
  };
  const [failedAfterSend, unread, readQuiet, readPressed] = MEMBERS.slice(1).map(sent) as [Sent, Sent, Sent, Sent];
  const deliveredAt = (m: Sent) => m.delivered_at ?? m.read_at ?? 0;
  const from = (m: Sent) => m.number.slice(1);
  const yes = buttonPayload({ campaignId, index: 0 });
  await inbound(
    p.id,
    messagesValue([
      // Replied: wrote an hour after delivery, quoting nothing.
      text("Is this still on?", { from: from(unread), at: seconds(deliveredAt(unread), HOUR) }),
      // Not replied: wrote before the delivery, and again 25 hours after it.
      text("Hello?", { from: from(readQuiet), at: seconds(deliveredAt(readQuiet), -HOUR) }),
      text("Still there?", { from: from(readQuiet), at: seconds(deliveredAt(readQuiet), 25 * HOUR) }),
      // Not replied: its message was never delivered.
      text("What was that?", { from: from(failedAfterSend), at: seconds(Date.now(), HOUR) }),
      // Replied: pressed a button on the message itself, two days later (a linked answer counts whenever).
      press(yes, "Yes", {
        from: from(readPressed),
        context: readPressed.wamid ?? "",
        at: seconds(deliveredAt(readPressed), 48 * HOUR),
      }),
      press(yes, "Yes", {
        from: from(readPressed),
        context: readPressed.wamid ?? "",
        at: seconds(deliveredAt(readPressed), 49 * HOUR),
      }),
      press(buttonPayload({ campaignId, index: 7 }), "Maybe", {
        from: from(readPressed),
        context: readPressed.wamid ?? "",
      }),
      buttonReply("change-order", "Change", { from: from(readPressed), context: readPressed.wamid ?? "" }),
      // A completed Flow is an interactive reply, but no button.
      {
        from: from(readPressed),
        id: newWamid(),
        timestamp: String(seconds(deliveredAt(readPressed), HOUR)),
        type: "interactive",
        interactive: { type: "nfm_reply", nfm_reply: { response_json: '{"size":"M"}', body: "Sent", name: "flow" } },
        context: { from: "15550000000", id: readPressed.wamid ?? "" },
      },
      // The unread recipient pressed too, quoting the message.
      press(yes, "Yes", {
        from: from(unread),
        context: unread.wamid ?? "",
        at: seconds(deliveredAt(unread), 2 * HOUR),
      }),
    ]),
  );
  // Someone outside the run pressed a button of the campaign, quoting nothing: the campaign's
  // press, no run's.
  await inbound(p.id, messagesValue([press(yes, "Yes", { from: "919800000001", id: newWamid() })]));
  return { ...run, numbers: { unread: unread.number, readQuiet: readQuiet.number, readPressed: readPressed.number } };
}
