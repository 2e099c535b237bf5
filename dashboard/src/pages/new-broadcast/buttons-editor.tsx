import { ApiFailure } from "../../api";
import { Field } from "../../components/ui";
import type { ButtonType, DraftButton } from "./types";

const MAX_BUTTONS = 10;

const TYPES: { type: ButtonType; label: string }[] = [
  { type: "input", label: "Quick reply (records the answer)" },
  { type: "journey", label: "Quick reply (starts a journey)" },
  { type: "url", label: "Open a website" },
  { type: "phone", label: "Call a phone number" },
  { type: "copy_code", label: "Copy a coupon code" },
];

/** The one extra field each type takes, named as the API names it in its 400 answers. */
const EXTRA: Record<ButtonType, { key: keyof DraftButton; label: string; hint?: string }> = {
  input: { key: "input", label: "Recorded answer", hint: "Optional; defaults to the label." },
  journey: { key: "journeyId", label: "Journey id" },
  url: { key: "url", label: "URL", hint: "http(s); may end in one {group.field} for a per-recipient suffix." },
  phone: { key: "phoneNumber", label: "Phone number", hint: "With its country code, e.g. +15550051310." },
  copy_code: { key: "code", label: "Coupon code", hint: "At most 15 characters, no spaces." },
};

export const emptyButton = (): DraftButton => ({
  type: "input",
  text: "",
  input: "",
  journeyId: "",
  phoneNumber: "",
  url: "",
  code: "",
});

/** The button as the API takes it: only its type's fields, an empty optional one left out. */
export function toRequest(b: DraftButton) {
  const extra = EXTRA[b.type].key;
  const value = b[extra].trim();
  return { type: b.type, text: b.text, ...(value || b.type !== "input" ? { [extra]: value } : {}) };
}

const describedBy = (error: Error | undefined, name: string) =>
  error instanceof ApiFailure && error.fieldMessage(name) ? `f-${name}-error` : undefined;

export function ButtonsEditor({
  buttons,
  onChange,
  error,
}: {
  buttons: DraftButton[];
  onChange: (buttons: DraftButton[]) => void;
  error?: Error;
}) {
  const set = (i: number, change: Partial<DraftButton>) =>
    onChange(buttons.map((b, j) => (j === i ? { ...b, ...change } : b)));
  const listMessage = error instanceof ApiFailure ? error.fieldMessage("buttons") : undefined;
  return (
    <fieldset>
      <legend>Buttons</legend>
      <p class="muted">
        Quick replies cannot be mixed with website, phone or coupon buttons. At most 10 buttons, 2 websites and 1 phone
        number.
      </p>
      {buttons.map((b, i) => {
        const extra = EXTRA[b.type];
        const name = (field: string) => `buttons.${i}.${field}`;
        return (
          <fieldset class="button-draft" key={i}>
            <legend>Button {i + 1}</legend>
            <Field label="Kind" name={name("type")} error={error}>
              <select
                id={`f-${name("type")}`}
                value={b.type}
                aria-describedby={describedBy(error, name("type"))}
                onChange={(e) => set(i, { type: e.currentTarget.value as ButtonType })}
              >
                {TYPES.map((t) => (
                  <option key={t.type} value={t.type}>
                    {t.label}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Label" name={name("text")} error={error} hint="1–25 characters.">
              <input
                id={`f-${name("text")}`}
                value={b.text}
                aria-describedby={describedBy(error, name("text"))}
                onInput={(e) => set(i, { text: e.currentTarget.value })}
              />
            </Field>
            <Field label={extra.label} name={name(extra.key)} error={error} hint={extra.hint}>
              <input
                id={`f-${name(extra.key)}`}
                value={b[extra.key]}
                inputMode={b.type === "phone" ? "tel" : undefined}
                aria-describedby={describedBy(error, name(extra.key))}
                onInput={(e) => set(i, { [extra.key]: e.currentTarget.value })}
              />
            </Field>
            <button type="button" onClick={() => onChange(buttons.filter((_, j) => j !== i))}>
              Remove button {i + 1}
            </button>
          </fieldset>
        );
      })}
      {listMessage ? (
        <p class="field-error" role="alert">
          {listMessage}
        </p>
      ) : null}
      <button
        type="button"
        disabled={buttons.length >= MAX_BUTTONS}
        onClick={() => onChange([...buttons, emptyButton()])}
      >
        Add a button
      </button>
    </fieldset>
  );
}
