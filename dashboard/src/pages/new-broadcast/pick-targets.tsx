import { useEffect, useState } from "preact/hooks";
import { ApiFailure, get, query } from "../../api";
import { ErrorNote, Loading } from "../../components/ui";
import type { Audience, AudiencesResponse, VariableGroup } from "./types";

const toggle = (list: string[], id: string, on: boolean) => (on ? [...list, id] : list.filter((x) => x !== id));

/** Every audience of the project, a page of 100 at a time (more on request). */
function useAudiences() {
  const [audiences, setAudiences] = useState<Audience[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<Error>();
  const load = (after?: string) =>
    get<AudiencesResponse>(`/v1/retrieve/audiences${query({ limit: 100, cursor: after })}`).then(
      (page) => {
        setAudiences((known) => [...known, ...page.audiences]);
        setCursor(page.nextCursor);
      },
      (err: Error) => setError(err),
    );
  useEffect(() => {
    load();
  }, []);
  return { audiences, cursor, error, more: () => cursor && load(cursor) };
}

export function AudiencePicker({
  chosen,
  onChange,
  error,
}: {
  chosen: string[];
  onChange: (ids: string[]) => void;
  error?: Error;
}) {
  const { audiences, cursor, error: loadError, more } = useAudiences();
  const message = error instanceof ApiFailure ? error.fieldMessage("options.audiences") : undefined;
  return (
    <fieldset class={message ? "invalid" : undefined} aria-describedby={message ? "f-audiences-error" : undefined}>
      <legend>Audiences</legend>
      <ErrorNote error={loadError} />
      {cursor === undefined && !loadError ? <Loading what="Loading audiences" /> : null}
      <ul class="checks">
        <li>
          <label>
            <input
              type="checkbox"
              checked={chosen.includes("all")}
              onChange={(e) => onChange(toggle(chosen, "all", e.currentTarget.checked))}
            />{" "}
            Every contact of the project
          </label>
        </li>
        {audiences.map((a) => (
          <li key={a.id}>
            <label>
              <input
                type="checkbox"
                checked={chosen.includes(a.id)}
                onChange={(e) => onChange(toggle(chosen, a.id, e.currentTarget.checked))}
              />{" "}
              {a.name} <span class="muted">({a.type === "segment" ? "segment" : `${a.contacts ?? 0} contacts`})</span>
            </label>
          </li>
        ))}
      </ul>
      {cursor ? (
        <button type="button" onClick={more}>
          More audiences
        </button>
      ) : null}
      {cursor === null && audiences.length === 0 ? (
        <p class="muted">
          No audiences yet: make one on the <a href="/app/audiences">Audiences</a> page.
        </p>
      ) : null}
      {message ? (
        <small class="field-error" id="f-audiences-error" role="alert">
          {message}
        </small>
      ) : null}
    </fieldset>
  );
}

export function GroupPicker({
  groups,
  chosen,
  onChange,
}: {
  groups: VariableGroup[];
  chosen: string[];
  onChange: (ids: string[]) => void;
}) {
  return (
    <fieldset>
      <legend>Variable groups</legend>
      {groups.length === 0 ? (
        <p class="muted">No variable groups yet: the message can still be sent without variables.</p>
      ) : null}
      <ul class="checks">
        {groups.map((g) => (
          <li key={g.id}>
            <label>
              <input
                type="checkbox"
                checked={chosen.includes(g.id)}
                onChange={(e) => onChange(toggle(chosen, g.id, e.currentTarget.checked))}
              />{" "}
              {g.name} <span class="muted">({g.fields.join(", ")})</span>
            </label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}
