import type { ComponentChildren } from "preact";
import { ApiFailure } from "../api";

/** Every API message for fields under `prefix` (`filter.tags` → `filter.tags.1`, …), one per line. */
export function messagesUnder(error: Error | undefined, prefix: string, describe?: (field: string) => string) {
  if (!(error instanceof ApiFailure)) return [];
  return error.fields
    .filter((f) => f.field === prefix || f.field.startsWith(`${prefix}.`))
    .map((f) => (describe ? `${describe(f.field)}: ${f.message}` : f.message));
}

/**
 * A labelled input whose errors may come under several field names (a list's items), unlike
 * `Field`, which matches one name exactly.
 */
export function GroupField({
  id,
  label,
  hint,
  messages,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  messages: string[];
  children: ComponentChildren;
}) {
  return (
    <div class={messages.length > 0 ? "field invalid" : "field"}>
      <label for={id}>{label}</label>
      {children}
      {hint ? <small class="muted">{hint}</small> : null}
      {messages.length > 0 ? (
        <small class="field-error" id={`${id}-error`} role="alert">
          {messages.slice(0, 5).join(" · ")}
          {messages.length > 5 ? ` · and ${messages.length - 5} more` : ""}
        </small>
      ) : null}
    </div>
  );
}

/** `a, b ,c` → `["a","b","c"]`, or undefined when empty (the API refuses empty lists' meaning). */
export const listOf = (text: string) => {
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
};
