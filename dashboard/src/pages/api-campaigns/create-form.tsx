import { useState } from "preact/hooks";
import { get, post, query } from "../../api";
import { ErrorNote, Field, Loading } from "../../components/ui";
import { useApi } from "../../components/use-api";
import { useSubmit } from "../../components/use-submit";
import type { ApiCampaign, Paged, TemplateSummary } from "./types";

/** A new API campaign: a unique name for one approved template. */
export function CreateApiCampaign({ onCreated }: { onCreated: (c: ApiCampaign) => void }) {
  const templates = useApi(
    () => get<Paged<TemplateSummary>>(`/v1/templates${query({ status: "APPROVED", limit: 500 })}`),
    [],
  );
  const [name, setName] = useState("");
  const [templateId, setTemplateId] = useState("");
  const approved = templates.data?.data ?? [];
  const chosen = templateId || approved[0]?.id || "";

  const { submit, busy, error } = useSubmit(async () => {
    const created = await post<ApiCampaign>("/v1/api-campaigns", { name: name.trim(), templateId: chosen });
    setName("");
    onCreated(created);
  });

  if (templates.loading && !templates.data) return <Loading what="Loading the approved templates" />;
  return (
    <form onSubmit={submit} aria-label="New API campaign">
      <ErrorNote error={templates.error} />
      <Field label="Campaign name" name="name" error={error} hint="Unique in the project; sends name it">
        <input id="f-name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <Field label="Template" name="templateId" error={error} hint="Only APPROVED templates can be sent">
        <select id="f-templateId" required value={chosen} onChange={(e) => setTemplateId(e.currentTarget.value)}>
          {approved.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name} ({t.language}, {t.category.toLowerCase()})
            </option>
          ))}
        </select>
      </Field>
      {approved.length === 0 && templates.data ? (
        <p class="muted">
          No approved template yet: create one on the <a href="/app/templates">Templates</a> page first.
        </p>
      ) : null}
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={busy || !chosen}>
        Create API campaign
      </button>
    </form>
  );
}
