import type { Db } from "../../platform/db/client";
import { skipsUsMarketing, US_MARKETING_PAUSED_REASON } from "../../whatsapp/us-marketing-pause";
import type { AudienceContact } from "../audiences/members";
import { type BroadcastCampaign, recipientMessage } from "../broadcast-messages/campaign";
import { splitRefKey } from "../broadcast-messages/placeholders";
import { type GroupRef, valuesForNumbers } from "../variable-groups/store";
import type { Recipient } from "./page";

/** What every page of a fan-out job reads alike: the campaign and its variable groups. */
export interface Sender {
  campaign: BroadcastCampaign;
  groups: Map<string, GroupRef>;
  /** Meta's pause of marketing templates to US numbers holds (US_MARKETING_PAUSED). */
  usMarketingPaused: boolean;
  /** The key signing the tokens of a campaign that tracks clicks. */
  linkKey: CryptoKey | null;
}

/** The value of `group.field` for each number, from the campaign's variable groups. */
async function valueLookup(db: Db, groups: Map<string, GroupRef>, numbers: string[]) {
  const values = await valuesForNumbers(
    db,
    [...groups.values()].map((g) => g.pk),
    numbers,
  );
  return (number: string) => (ref: string) => {
    const { group, field } = splitRefKey(ref);
    const pk = groups.get(group)?.pk;
    const value = pk === undefined ? undefined : values.get(number)?.get(pk)?.[field];
    // Values may have been given as numbers; a template parameter is text.
    return value === undefined || value === null ? undefined : String(value);
  };
}

/**
 * A page's contacts as the run's recipients (`idOf`: each one's message id): a message to queue,
 * or the reason it is skipped, in the order the dry run counts them: opted out, then a US number
 * of a marketing campaign, then the first variable without a sendable value.
 */
export async function recipientsFor(
  db: Db,
  { campaign, groups, usMarketingPaused }: Sender,
  contacts: AudienceContact[],
  idOf: (contact: AudienceContact) => string,
): Promise<Recipient[]> {
  const usPaused = (number: string) => skipsUsMarketing(usMarketingPaused, campaign.category, number);
  const sendable = contacts.filter((c) => !c.optedOut && !usPaused(c.number)).map((c) => c.number);
  const lookup = sendable.length > 0 ? await valueLookup(db, groups, sendable) : null;
  return contacts.map((contact): Recipient => {
    const id = idOf(contact);
    if (contact.optedOut) return { id, number: contact.number, payload: null, skipReason: "opted_out" };
    if (usPaused(contact.number) || !lookup) {
      return { id, number: contact.number, payload: null, skipReason: US_MARKETING_PAUSED_REASON };
    }
    const built = recipientMessage(campaign, contact.number, lookup(contact.number));
    return built.ok
      ? { id, number: contact.number, payload: built.message, skipReason: null }
      : { id, number: contact.number, payload: null, skipReason: built.reason };
  });
}
