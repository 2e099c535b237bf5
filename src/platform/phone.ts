import { Metadata, parsePhoneNumberFromString } from "libphonenumber-js";

// The reference API reads a number without a country code as Indian.
const DEFAULT_COUNTRY = "IN";
// Digits with the usual separators; anything else (letters, words) is not a phone number,
// even though the parser would happily pull digits out of free text.
const PHONE_CHARS = /^\+?[\d\s().-]{4,32}$/;

/**
 * Normalises a phone number to E.164, or returns null when it cannot be a real number.
 * "Cannot be valid" is judged by length for the country (libphonenumber's isPossible):
 * numbering plans change faster than a bundled metadata file, and Meta itself reports
 * numbers that are not on WhatsApp.
 */
export function toE164(input: string): string | null {
  const trimmed = input.trim();
  const international = internationalE164(trimmed);
  if (international !== undefined) return international;
  if (!PHONE_CHARS.test(trimmed)) return null;
  // "00" is the international prefix in most of the world: treat it as "+".
  const candidate = trimmed.startsWith("00") ? `+${trimmed.slice(2)}` : trimmed;
  const parsed = parsePhoneNumberFromString(candidate, DEFAULT_COUNTRY);
  if (!parsed?.isPossible()) return null;
  return parsed.number;
}

// libphonenumber takes a few microseconds and a few dozen short-lived objects per number, nearly
// all of it general machinery (free text, extensions, national formats, countries sharing a
// calling code). A CSV import checks a million numbers, most already written "+", calling code,
// digits. When the calling code belongs to one country alone, libphonenumber's answer for such a
// number rests on two facts of that country, read here once: whether the digits after the calling
// code start with what the country strips as a national prefix (the library may then rewrite them),
// and which lengths a national number may have. Every other input, and those digits, go to the
// library; test/platform/phone.test.ts compares both ways over every calling code.
// At least 4 digits, as PHONE_CHARS asks.
const INTERNATIONAL_DIGITS = /^\+([1-9][0-9]{3,19})$/;
// libphonenumber's bounds: a calling code has 1 to 3 digits, a national number 2 to 17.
const MAX_CALLING_CODE_DIGITS = 3;
const MIN_NATIONAL_DIGITS = 2;
const MAX_NATIONAL_DIGITS = 17;

interface NumberingPlan {
  possibleLengths(): number[] | undefined;
  nationalPrefixForParsing(): string | undefined;
}
interface MetadataInternals {
  hasCallingCode(callingCode: string): boolean;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
  selectNumberingPlan(country: string): void;
  numberingPlan: NumberingPlan;
}

/** What decides a "+digits" number of a calling code: null when the library must decide. */
type CallingCodePlan = { nationalPrefix: RegExp | null; lengths: number[] } | null;
const plans = new Map<string, CallingCodePlan | "none">();

function planOf(callingCode: string): CallingCodePlan | "none" {
  const known = plans.get(callingCode);
  if (known !== undefined) return known;
  const metadata = new Metadata() as unknown as MetadataInternals;
  let plan: CallingCodePlan | "none" = "none";
  if (metadata.hasCallingCode(callingCode)) {
    const countries = metadata.getCountryCodesForCallingCode(callingCode) ?? [];
    const country = countries.length === 1 ? countries[0] : undefined;
    plan = null;
    if (country !== undefined && country !== "001") {
      metadata.selectNumberingPlan(country);
      const lengths = metadata.numberingPlan.possibleLengths();
      const prefix = metadata.numberingPlan.nationalPrefixForParsing();
      if (lengths) plan = { nationalPrefix: prefix ? new RegExp(`^(?:${prefix})`) : null, lengths };
    }
  }
  plans.set(callingCode, plan);
  return plan;
}

/** "+digits" of a one-country calling code: its E.164 form or null; undefined for the library. */
export function internationalE164(trimmed: string): string | null | undefined {
  const digits = INTERNATIONAL_DIGITS.exec(trimmed)?.[1];
  if (digits === undefined) return undefined;
  // The calling code is the shortest prefix that is one, as libphonenumber reads it.
  for (let length = 1; length <= MAX_CALLING_CODE_DIGITS; length++) {
    const plan = planOf(digits.slice(0, length));
    if (plan === "none") continue;
    if (plan === null) return undefined;
    const national = digits.slice(length);
    if (national.length < MIN_NATIONAL_DIGITS || national.length > MAX_NATIONAL_DIGITS) return undefined;
    if (plan.nationalPrefix?.test(national)) return undefined;
    return plan.lengths.includes(national.length) ? trimmed : null;
  }
  return undefined;
}

/** For logs: keeps the country code and the last four digits, hides the rest. */
export function maskNumber(e164: string): string {
  if (e164.length <= 7) return "***";
  const countryCode = parsePhoneNumberFromString(e164)?.countryCallingCode;
  const prefix = countryCode ? `+${countryCode}` : e164.slice(0, 3);
  return `${prefix}${"*".repeat(e164.length - prefix.length - 4)}${e164.slice(-4)}`;
}
