import { useRef, useState } from "preact/hooks";
import type { Import } from "../../../../src/client/types";
import { ErrorNote, Field } from "../../components/ui";
import { type UploadTarget, uploadCsv } from "./upload";

/** The CSV upload, with the bytes sent shown as they go. */
export function UploadForm({ onUploaded }: { onUploaded: (i: Import) => void }) {
  const [kind, setKind] = useState<UploadTarget["kind"]>("audience");
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const [audienceId, setAudienceId] = useState("");
  const [file, setFile] = useState<File>();
  const [sent, setSent] = useState<{ loaded: number; total: number }>();
  const [error, setError] = useState<Error>();
  const abort = useRef<(() => void) | undefined>(undefined);
  const fileInput = useRef<HTMLInputElement>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!file) return;
    setError(undefined);
    setSent({ loaded: 0, total: file.size });
    const upload = uploadCsv({ kind, id: id.trim(), name: name.trim(), audienceId: audienceId.trim() }, file, (l, t) =>
      setSent({ loaded: l, total: t }),
    );
    abort.current = upload.abort;
    try {
      const { import: started } = await upload.done;
      onUploaded(started);
      setFile(undefined);
      if (fileInput.current) fileInput.current.value = "";
    } catch (err) {
      setError(err as Error);
    } finally {
      abort.current = undefined;
      setSent(undefined);
    }
  };

  const uploading = sent !== undefined;
  const pct = sent && sent.total > 0 ? Math.round((sent.loaded / sent.total) * 100) : 0;
  return (
    <form onSubmit={submit} aria-label="Upload a CSV">
      <fieldset>
        <legend>Import into</legend>
        <label>
          <input type="radio" name="kind" checked={kind === "audience"} onChange={() => setKind("audience")} /> An
          audience (numbers, with optional name and source columns)
        </label>{" "}
        <label>
          <input
            type="radio"
            name="kind"
            checked={kind === "variable_group"}
            onChange={() => setKind("variable_group")}
          />{" "}
          A variable group (numbers and a value per variable column)
        </label>
      </fieldset>
      <Field label={kind === "audience" ? "Audience id" : "Variable group id"} name="id" error={error}>
        <input id="f-id" required maxLength={100} value={id} onInput={(e) => setId(e.currentTarget.value)} />
      </Field>
      <Field label="Name" name="name" error={error} hint="An existing one with this id takes this name">
        <input id="f-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      {kind === "variable_group" ? (
        <Field label="Also add the numbers to audience (id)" name="audienceId" error={error} hint="Optional">
          <input id="f-audienceId" value={audienceId} onInput={(e) => setAudienceId(e.currentTarget.value)} />
        </Field>
      ) : null}
      <Field
        label="CSV file"
        name="file"
        error={error}
        hint="UTF-8 with a header row; the number column is named number, phone, mobile or whatsapp"
      >
        <input
          id="f-file"
          ref={fileInput}
          type="file"
          required
          accept=".csv,text/csv"
          onChange={(e) => setFile(e.currentTarget.files?.[0])}
        />
      </Field>
      {uploading ? (
        <div class="field">
          <label for="upload-progress">Uploading: {pct}%</label>
          <progress id="upload-progress" max={sent.total || 1} value={sent.loaded}>
            {pct}%
          </progress>
        </div>
      ) : null}
      <ErrorNote error={error} />
      <div class="actions">
        <button type="submit" class="primary" disabled={uploading || !file}>
          Upload
        </button>
        {uploading ? (
          <button type="button" onClick={() => abort.current?.()}>
            Cancel upload
          </button>
        ) : null}
      </div>
    </form>
  );
}
