import { Field } from "../../components/ui";

export type RunMode = "now" | "later";

/** A datetime-local value (the person's own clock) as the ISO time the API takes, or null. */
export function scheduledIso(local: string): string | null {
  if (!local) return null;
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

export function RunChoice({
  mode,
  at,
  onMode,
  onAt,
  error,
}: {
  mode: RunMode;
  at: string;
  onMode: (mode: RunMode) => void;
  onAt: (local: string) => void;
  error?: Error;
}) {
  return (
    <fieldset>
      <legend>When to send</legend>
      <label class="choice">
        <input type="radio" name="run-mode" checked={mode === "now"} onChange={() => onMode("now")} /> Now, once the
        template is approved
      </label>
      <label class="choice">
        <input type="radio" name="run-mode" checked={mode === "later"} onChange={() => onMode("later")} /> At a time
      </label>
      {mode === "later" ? (
        <Field label="Send at (your local time)" name="options.timeToRun" error={error}>
          <input
            id="f-options.timeToRun"
            type="datetime-local"
            value={at}
            onInput={(e) => onAt(e.currentTarget.value)}
          />
        </Field>
      ) : null}
    </fieldset>
  );
}
