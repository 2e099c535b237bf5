import { parsePhoneNumberFromString } from "libphonenumber-js";

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
  if (!PHONE_CHARS.test(trimmed)) return null;
  // "00" is the international prefix in most of the world: treat it as "+".
  const candidate = trimmed.startsWith("00") ? `+${trimmed.slice(2)}` : trimmed;
  const parsed = parsePhoneNumberFromString(candidate, DEFAULT_COUNTRY);
  if (!parsed?.isPossible()) return null;
  return parsed.number;
}

/** For logs: keeps the country code and the last four digits, hides the rest. */
export function maskNumber(e164: string): string {
  if (e164.length <= 7) return "***";
  const countryCode = parsePhoneNumberFromString(e164)?.countryCallingCode;
  const prefix = countryCode ? `+${countryCode}` : e164.slice(0, 3);
  return `${prefix}${"*".repeat(e164.length - prefix.length - 4)}${e164.slice(-4)}`;
}
