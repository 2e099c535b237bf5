import { type FieldError, invalidFields } from "../../platform/errors";
import type { MediaRef } from "../../whatsapp/provider";
import { BAD_PARAM_TEXT } from "../templates/send-rules";

// What building an API send's message shares between its parts (body, buttons, cards): every
// problem collected field by field and answered together.

export const plural = (n: number) => (n === 1 ? "" : "s");

/** Collects every problem with the request, field by field, and throws them together. */
export class Problems {
  readonly list: FieldError[] = [];
  add(field: string, message: string) {
    this.list.push({ field, in: "body", message });
  }
  /** Checks one parameter value as WhatsApp would. */
  value(field: string, value: string) {
    if (value.trim().length === 0) this.add(field, "must not be empty");
    else if (BAD_PARAM_TEXT.test(value)) {
      this.add(field, "must not contain new lines, tabs or more than four consecutive spaces (WhatsApp refuses them)");
    }
  }
  throwIfAny() {
    if (this.list.length > 0) throw invalidFields(this.list);
  }
}

export const mediaRef = (media: { url?: string; id?: string } | undefined): MediaRef | null =>
  media?.id ? { id: media.id } : media?.url ? { link: media.url } : null;
