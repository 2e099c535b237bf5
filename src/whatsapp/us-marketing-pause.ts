import { parsePhoneNumberFromString } from "libphonenumber-js";
import type { TemplateCategory } from "./provider";

// Meta has paused the delivery of marketing templates to US numbers since April 2025: such a send
// is accepted and then fails (131049), billed nothing and delivered nothing. While the pause holds
// (US_MARKETING_PAUSED, src/platform/config.ts) the product skips those recipients with this reason
// instead: never sent, counted as skipped, never a Meta failure. Utility and authentication
// templates still go to US numbers, and so does everything to the other +1 countries.

export const US_MARKETING_PAUSED_REASON = "us_marketing_paused";

/** What a skipped API send answers. */
export const US_MARKETING_PAUSED_MESSAGE =
  "WhatsApp does not deliver marketing templates to US (+1) numbers (paused by Meta since April 2025); nothing was sent";

// +1 is shared by the US, Canada and a score of Caribbean and Pacific countries and territories;
// which one a number belongs to is decided by its three-digit area code alone. libphonenumber's
// metadata knows which area codes are the US: asked once per isolate about one well-formed number
// per area code (exchange 234 is valid in every one), it gives the set that the run, the dry run
// (as SQL) and the API send all use, so the three always agree.
let usAreaCodes: string[] | null = null;
let usAreaCodeSet: Set<string> | null = null;

export function usAreaCodeList(): string[] {
  if (usAreaCodes) return usAreaCodes;
  const codes: string[] = [];
  for (let code = 200; code <= 999; code++) {
    if (parsePhoneNumberFromString(`+1${code}2345678`)?.country === "US") codes.push(String(code));
  }
  usAreaCodes = codes;
  return codes;
}

/** Whether an E.164 number is a US one: +1, ten digits, a US area code. */
export function isUsNumber(e164: string): boolean {
  if (e164.length !== 12 || !e164.startsWith("+1")) return false;
  usAreaCodeSet ??= new Set(usAreaCodeList());
  return usAreaCodeSet.has(e164.slice(2, 5));
}

/** Whether a send of a template of `category` to `number` is skipped while Meta's pause holds. */
export const skipsUsMarketing = (paused: boolean, category: TemplateCategory | undefined, number: string) =>
  paused && category === "MARKETING" && isUsNumber(number);
