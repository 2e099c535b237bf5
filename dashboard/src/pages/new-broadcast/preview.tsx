import { useEffect, useMemo, useState } from "preact/hooks";
import { ErrorNote } from "../../components/ui";
import { type Piece, refsOf, render } from "./placeholders";
import { valueReader } from "./recipient-values";
import { useRecipients } from "./recipients";
import type { DraftButton, VariableGroup } from "./types";

/** A group as the API finds it from a message: by name, else by id. */
const findGroup = (groups: VariableGroup[], ref: string) =>
  groups.find((g) => g.name === ref) ?? groups.find((g) => g.id === ref);

/**
 * The message as one chosen contact of the audiences would read it, filled from the variable
 * groups in the browser (see recipient-values.ts for why).
 */
export function Preview({
  message,
  audiences,
  groups,
  buttons,
}: {
  message: string;
  audiences: string[];
  groups: VariableGroup[];
  buttons: DraftButton[];
}) {
  const { recipients, error: listError } = useRecipients(audiences);
  const [number, setNumber] = useState("");
  const [pieces, setPieces] = useState<Piece[]>([]);
  const [partial, setPartial] = useState(false);
  const [error, setError] = useState<Error>();
  const valuesOf = useMemo(() => valueReader(), []);
  const chosen = recipients.some((r) => r.number === number) ? number : (recipients[0]?.number ?? "");

  useEffect(() => {
    let current = true;
    const refs = refsOf(message);
    const values = new Map<string, string | undefined>();
    let complete = true;
    Promise.all(
      refs.map(async (ref) => {
        const group = findGroup(groups, ref.group);
        if (!group || !chosen) return;
        const found = await valuesOf(group.id, chosen);
        complete &&= found.complete;
        values.set(`${ref.group}.${ref.field}`, found.row?.[ref.field]);
      }),
    ).then(
      () => {
        if (!current) return;
        setPieces(render(message, (ref) => values.get(`${ref.group}.${ref.field}`)));
        setPartial(!complete);
        setError(undefined);
      },
      (err: Error) => current && setError(err),
    );
    return () => {
      current = false;
    };
  }, [message, chosen, groups]);

  const missing = pieces.flatMap((p) => ("missing" in p ? [p.missing] : []));
  return (
    <section class="preview" aria-labelledby="preview-title">
      <h2 id="preview-title">Preview</h2>
      <ErrorNote error={listError ?? error} />
      {audiences.length === 0 ? (
        <p class="muted">Choose an audience to preview the message for one of its contacts.</p>
      ) : null}
      {audiences.length > 0 && recipients.length === 0 && !listError ? (
        <p class="muted">The chosen audiences have no contacts yet.</p>
      ) : null}
      {recipients.length > 0 ? (
        <div class="field">
          <label for="f-preview-recipient">Preview for</label>
          <select id="f-preview-recipient" value={chosen} onChange={(e) => setNumber(e.currentTarget.value)}>
            {recipients.map((r) => (
              <option key={r.number} value={r.number}>
                {r.name ? `${r.name} (${r.number})` : r.number}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <div class="bubble" data-testid="preview" aria-live="polite">
        {message.trim() === "" ? <span class="muted">The message appears here.</span> : null}
        {pieces.map((p, i) =>
          "text" in p ? (
            <span key={i}>{p.text}</span>
          ) : "value" in p ? (
            <strong key={i} title={p.ref}>
              {p.value}
            </strong>
          ) : (
            <mark key={i}>{`{${p.missing}}`}</mark>
          ),
        )}
        {buttons.length > 0 ? (
          <ul class="bubble-buttons" aria-label="Buttons">
            {buttons.map((b, i) => (
              <li key={i}>{b.type === "copy_code" ? "Copy code" : b.text || "(no label)"}</li>
            ))}
          </ul>
        ) : null}
      </div>
      {chosen && missing.length > 0 ? (
        <p class="warn">
          No value for {missing.join(", ")}
          {partial ? " in the values read so far (the group is large)" : ""}: a run skips this contact with{" "}
          <code>missing_variable</code>.
        </p>
      ) : null}
    </section>
  );
}
