import { useRef } from "preact/hooks";
import { ApiFailure } from "../../api";
import { Field } from "../../components/ui";
import type { VariableGroup } from "./types";

const MAX_MESSAGE = 1024;

/** The message, and a button per field of the chosen groups that puts `{group.field}` at the caret. */
export function MessageField({
  value,
  onChange,
  groups,
  error,
}: {
  value: string;
  onChange: (text: string) => void;
  groups: VariableGroup[];
  error?: Error;
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const insert = (placeholder: string) => {
    const el = area.current;
    const start = el?.selectionStart ?? value.length;
    const end = el?.selectionEnd ?? value.length;
    onChange(value.slice(0, start) + placeholder + value.slice(end));
    // The caret goes after the inserted variable once the new text is rendered.
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + placeholder.length, start + placeholder.length);
    });
  };
  const invalid = error instanceof ApiFailure && error.fieldMessage("message") !== undefined;
  return (
    <Field
      label="Message"
      name="message"
      error={error}
      hint={`${[...value].length} of ${MAX_MESSAGE} characters. Write variables as {group.field}.`}
    >
      <textarea
        id="f-message"
        ref={area}
        value={value}
        rows={6}
        maxLength={MAX_MESSAGE * 2}
        aria-invalid={invalid || undefined}
        aria-describedby={invalid ? "f-message-error" : undefined}
        onInput={(e) => onChange(e.currentTarget.value)}
      />
      {groups.length > 0 ? (
        <fieldset class="chips">
          <legend>Insert a variable</legend>
          {groups.flatMap((g) =>
            g.fields.map((field) => {
              const placeholder = `{${g.name}.${field}}`;
              return (
                <button type="button" class="chip" key={placeholder} onClick={() => insert(placeholder)}>
                  {placeholder}
                </button>
              );
            }),
          )}
        </fieldset>
      ) : null}
    </Field>
  );
}
