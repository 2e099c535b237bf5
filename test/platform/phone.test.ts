import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from "libphonenumber-js";
import { describe, expect, it } from "vitest";
import { internationalE164, maskNumber, toE164 } from "../../src/platform/phone";

describe("toE164", () => {
  it.each([
    ["+917428526285", "+917428526285"],
    ["+91 74285 26285", "+917428526285"],
    ["  +91 74285 26285  ", "+917428526285"],
    ["+91-742-852-6285", "+917428526285"],
    ["+91 (742) 852.6285", "+917428526285"],
    // No country code: read as Indian.
    ["7428526285", "+917428526285"],
    ["(742) 852 6285", "+917428526285"],
    // The Indian trunk prefix 0.
    ["07428526285", "+917428526285"],
    // Country code digits without the plus.
    ["917428526285", "+917428526285"],
    // "00" is the international prefix.
    ["0091 7428526285", "+917428526285"],
    ["0091-7428526285", "+917428526285"],
    ["00 1 213 373 4253", "+12133734253"],
    ["+1 (213) 373-4253", "+12133734253"],
    ["+1 213 373 4253", "+12133734253"],
    ["+44 20 7946 0958", "+442079460958"],
    ["+8613800138000", "+8613800138000"],
  ])("%j -> %j", (input, expected) => {
    expect(toE164(input)).toBe(expected);
  });

  it.each([
    "",
    "   ",
    "12",
    "1234",
    "74285",
    "hello",
    "call 7428526285",
    "+",
    "++",
    "00",
    "0000",
    "+1 999",
    "+91",
    "++917428526285",
    "+0091 7428526285",
    "+917428526285+",
    "+91 7428526285 ext 1",
    "7428526285x12",
    "74285２6285",
    "+9174285262851234",
    "+1 213 373 4253 12",
    `+91${"7".repeat(40)}`,
    "+91\n7428526285",
  ])("%j -> null", (input) => {
    expect(toE164(input)).toBeNull();
  });

  it("is idempotent: an E.164 result normalises to itself", () => {
    for (const input of ["+91 74285 26285", "7428526285", "0091 7428526285", "+1 (213) 373-4253"]) {
      const once = toE164(input);
      expect(once).not.toBeNull();
      expect(toE164(once as string)).toBe(once);
    }
  });
});

describe("maskNumber", () => {
  it("keeps the country code and the last four digits", () => {
    expect(maskNumber("+917428526285")).toBe("+91******6285");
    expect(maskNumber("+12133734253")).toBe("+1******4253");
    expect(maskNumber("+353861234567")).toBe("+353*****4567");
  });

  it("hides short inputs entirely", () => {
    expect(maskNumber("+1234")).toBe("***");
    expect(maskNumber("+123456")).toBe("***");
  });
});

/** toE164 as it reads every input through libphonenumber: what the shortcut must agree with. */
function throughLibrary(input: string): string | null {
  const trimmed = input.trim();
  if (!/^\+?[\d\s().-]{4,32}$/.test(trimmed)) return null;
  const candidate = trimmed.startsWith("00") ? `+${trimmed.slice(2)}` : trimmed;
  const parsed = parsePhoneNumberFromString(candidate, "IN");
  return parsed?.isPossible() ? parsed.number : null;
}

describe("toE164's shortcut for +digits", () => {
  it("answers as libphonenumber does for every calling code, length and leading digit", () => {
    const callingCodes = new Set(getCountries().map((country) => getCountryCallingCode(country)));
    // A fixed sequence of pseudo-random digits, so that a failure repeats.
    let seed = 12345;
    const digit = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return String(seed % 10);
    };
    let compared = 0;
    let shortcut = 0;
    for (const code of [...callingCodes, "0", "800", "808", "870", "882", "883", "888", "979"]) {
      for (let length = 0; length <= 19; length++) {
        for (let first = 0; first <= 9; first++) {
          for (let sample = 0; sample < 2; sample++) {
            let national = length > 0 ? String(first) : "";
            while (national.length < length) national += digit();
            const input = `+${code}${national}`;
            expect(toE164(input), input).toBe(throughLibrary(input));
            compared += 1;
            if (internationalE164(input) !== undefined) shortcut += 1;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(80_000);
    // Most calling codes belong to one country: most of these inputs take the shortcut.
    expect(shortcut).toBeGreaterThan(compared / 2);
  });

  it("takes Indian numbers, leaves shared calling codes to the library", () => {
    expect(internationalE164("+919800000001")).toBe("+919800000001");
    expect(internationalE164("+919800000")).toBeNull();
    expect(internationalE164("+12133734253")).toBeUndefined();
    expect(internationalE164("+91 9800000001")).toBeUndefined();
  });
});
