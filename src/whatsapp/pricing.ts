// Meta's per-message pricing (since July 2025), as status webhooks report it: each status of a
// message carries `pricing` — `pricing_model` "PMP", `type` regular (charged), free_customer_service
// or free_entry_point, `category` marketing, utility, authentication, authentication_international,
// service or marketing_lite, and `billable` (deprecated by the `type`, still sent). Meta charges by
// the recipient's country calling code, so a charged message is recorded with its category and the
// country of its number: "marketing IN". Read liberally: a pricing object that does not parse is
// ignored, never a reason to refuse the status.

import { Metadata, parsePhoneNumberFromString } from "libphonenumber-js";

export interface Pricing {
  category: string;
  charged: boolean;
}

/** A message's `billing` value when Meta did not charge it. */
export const FREE = "free";

export function pricingOf(raw: unknown): Pricing | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const { category, type, billable } = raw as Record<string, unknown>;
  if (typeof category !== "string" || category === "") return undefined;
  // The type decides under PMP; older payloads only say `billable`.
  const charged =
    typeof type === "string" ? type.toLowerCase() === "regular" : billable === true || billable === "true";
  return { category: category.toLowerCase(), charged };
}

// libphonenumber's metadata lists a calling code's countries main one first; its public types do
// not show the method (src/platform/phone.ts reads the same internals).
const metadata = new Metadata() as unknown as { getCountryCodesForCallingCode(code: string): string[] | undefined };

/**
 * The market Meta prices a number in: its country. Meta prices by calling code, so a number whose
 * country the metadata cannot tell (a range shared by several countries, a new range) is priced in
 * the calling code's main country (+44 → GB, +1 → US).
 */
export function marketOf(number: string): string {
  const parsed = parsePhoneNumberFromString(number.startsWith("+") ? number : `+${number}`);
  if (!parsed) return "ZZ";
  if (parsed.country) return parsed.country;
  const main = metadata.getCountryCodesForCallingCode(parsed.countryCallingCode)?.[0];
  return main && main !== "001" ? main : `+${parsed.countryCallingCode}`;
}

/** The `billing` value a message is recorded with: "<category> <market>" when charged, else "free". */
export function billingValue(pricing: Pricing, number: string): string {
  return pricing.charged ? `${pricing.category} ${marketOf(number)}` : FREE;
}
