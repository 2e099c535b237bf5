import type { ButtonParameter, CardMessage, TemplateParams } from "../../whatsapp/provider";
import type { ApiSendExtras } from "./send-kinds";
import { mediaRef, type Problems, plural } from "./send-problems";

/** A carousel's cards: each with its media, body values then URL suffix, and quick-reply payloads. */
export function cardMessages(
  params: TemplateParams,
  extras: ApiSendExtras,
  problems: Problems,
): CardMessage[] | undefined {
  const wanted = params.cards;
  if (!wanted) {
    if (extras.cards) problems.add("cards", "the campaign's template is not a carousel: leave cards out");
    return undefined;
  }
  const given = extras.cards ?? [];
  if (given.length !== wanted.length) {
    problems.add("cards", `the campaign's template is a carousel of ${wanted.length} cards; got ${given.length}`);
    return undefined;
  }
  return wanted.map((card, c) => {
    const input = given[c] ?? { media: {} };
    const values = (input.templateParams ?? []).map(String);
    const suffixes = card.buttons.reduce((sum, b) => sum + b.params, 0);
    if (values.length !== card.body + suffixes) {
      problems.add(
        `cards.${c}.templateParams`,
        `card ${c} needs ${card.body + suffixes} parameter${plural(card.body + suffixes)} (${card.body} for its body, ${suffixes} for its URL button); got ${values.length}`,
      );
    }
    for (const [i, value] of values.entries()) problems.value(`cards.${c}.templateParams.${i}`, value);
    const media = mediaRef(input.media);
    if (!media)
      problems.add(
        `cards.${c}.media`,
        `card ${c} has ${card.header.format === "IMAGE" ? "an" : "a"} ${card.header.format} header: media.url or media.id is required`,
      );
    const buttons: ButtonParameter[] = [];
    (input.quickReplyPayloads ?? []).forEach((payload, i) => {
      const index = card.quickReplies[i];
      if (index === undefined)
        problems.add(`cards.${c}.quickReplyPayloads`, `card ${c} has ${card.quickReplies.length} quick replies`);
      else buttons.push({ index, subType: "quick_reply", payload });
    });
    let next = card.body;
    for (const button of card.buttons) {
      buttons.push({ index: button.index, subType: "url", text: values[next] ?? "" });
      next += button.params;
    }
    buttons.sort((a, b) => a.index - b.index);
    return {
      header: { type: card.header.format === "IMAGE" ? "image" : "video", ...(media ?? { link: "" }) },
      body: values.slice(0, card.body),
      ...(buttons.length > 0 ? { buttons } : {}),
    };
  });
}
