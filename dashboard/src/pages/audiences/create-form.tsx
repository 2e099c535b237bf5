import { useState } from "preact/hooks";
import type { AudienceResponse, CreateAudienceRequest } from "../../../../src/client/types";
import { post } from "../../api";
import { GroupField, messagesUnder } from "../../components/group-field";
import { ErrorNote, Field } from "../../components/ui";
import { MAX_PASTED, parseNumbers } from "./pasted-numbers";
import { EMPTY_SEGMENT, filterOf, type SegmentDraft, SegmentFields } from "./segment-fields";

/** A new audience: a list from pasted numbers, or a segment from a filter. */
export function CreateAudience({ onCreated }: { onCreated: (r: AudienceResponse) => void }) {
  const [kind, setKind] = useState<"list" | "segment">("list");
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [numbers, setNumbers] = useState("");
  const [segment, setSegment] = useState<SegmentDraft>(EMPTY_SEGMENT);
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const pasted = parseNumbers(numbers);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (kind === "list" && pasted.contacts.length > MAX_PASTED) {
      setError(new Error(`At most ${MAX_PASTED} numbers at once: upload a CSV on the Imports page for more.`));
      return;
    }
    const body: CreateAudienceRequest = { id: id.trim(), name: name.trim() };
    if (description.trim()) body.description = description.trim();
    if (kind === "list") body.contacts = pasted.contacts;
    else body.filter = filterOf(segment);
    setBusy(true);
    try {
      const created = await post<AudienceResponse>("/v1/create/audience", body);
      onCreated(created);
      setId("");
      setName("");
      setDescription("");
      setNumbers("");
      setSegment(EMPTY_SEGMENT);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  // `contacts.3.number` → "line 5" of the pasted text.
  const lineOf = (field: string) => `Line ${pasted.lines[Number(field.split(".")[1])] ?? "?"}`;
  return (
    <form onSubmit={submit} aria-label="New audience">
      <fieldset>
        <legend>Kind</legend>
        <label>
          <input type="radio" name="kind" checked={kind === "list"} onChange={() => setKind("list")} /> A list of
          numbers
        </label>{" "}
        <label>
          <input type="radio" name="kind" checked={kind === "segment"} onChange={() => setKind("segment")} /> A segment
          (a filter, evaluated when a run starts)
        </label>
      </fieldset>
      <Field label="Audience id" name="id" error={error} hint="Letters, digits and _ . : - (up to 100)">
        <input id="f-id" required maxLength={100} value={id} onInput={(e) => setId(e.currentTarget.value)} />
      </Field>
      <Field label="Name" name="name" error={error}>
        <input id="f-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <Field label="Description" name="description" error={error}>
        <input id="f-description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </Field>
      {kind === "list" ? (
        <GroupField
          id="f-contacts"
          label="Numbers"
          hint={`One per line, optionally followed by a comma and a name; at most ${MAX_PASTED}. ${pasted.contacts.length} so far.`}
          messages={messagesUnder(error, "contacts", lineOf)}
        >
          <textarea id="f-contacts" value={numbers} onInput={(e) => setNumbers(e.currentTarget.value)} />
        </GroupField>
      ) : (
        <SegmentFields draft={segment} onChange={setSegment} error={error} />
      )}
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={busy}>
        Create audience
      </button>
    </form>
  );
}
