import { type FieldError, invalidFields } from "../../platform/errors";
import { toE164 } from "../../platform/phone";
import type { MemberInput } from "./bulk";

// Worded as POST /v1/contacts words it, so a client sees one message for one mistake.
export const INVALID_NUMBER =
  "is not a valid phone number (use +<country code><number>; without a country code it is read as Indian)";

/** Collects field errors so that one 400 names every offending field of a request. */
export class FieldErrors {
  readonly list: FieldError[] = [];

  add(field: string, message: string) {
    this.list.push({ field, in: "body", message });
  }

  /** Throws the one validation error naming every field added, if any. */
  throwIfAny() {
    if (this.list.length > 0) throw invalidFields(this.list);
  }
}

export function parseNumber(raw: string | number, field: string, errors: FieldErrors): string | null {
  const number = toE164(String(raw));
  if (number === null) errors.add(field, INVALID_NUMBER);
  return number;
}

/**
 * Contacts of a request in E.164, every invalid number reported as `<field>.<i>.number`. The same
 * number given twice (in any spelling) is one member; a later name or source wins.
 */
export function parseMembers(
  contacts: { number: string | number; name?: string; source?: string }[],
  field = "contacts",
): MemberInput[] {
  const errors = new FieldErrors();
  const byNumber = new Map<string, MemberInput>();
  contacts.forEach((contact, i) => {
    const number = parseNumber(contact.number, `${field}.${i}.number`, errors);
    if (number === null) return;
    const seen = byNumber.get(number);
    byNumber.set(number, {
      number,
      name: contact.name ?? seen?.name ?? null,
      source: contact.source ?? seen?.source ?? null,
    });
  });
  errors.throwIfAny();
  return [...byNumber.values()];
}
