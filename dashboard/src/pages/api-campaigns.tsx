import { useState } from "preact/hooks";
import { get, post, query } from "../api";
import { EmptyRow, Pager, useCursor } from "../components/paging";
import { ErrorNote, Loading, Page, StatusBadge, when } from "../components/ui";
import { useApi } from "../components/use-api";
import { isManager, useSession } from "../session";
import { CreateApiCampaign } from "./api-campaigns/create-form";
import { SendForm } from "./api-campaigns/send-form";
import type { ApiCampaign, Paged } from "./api-campaigns/types";
import { campaignHref } from "./campaign/load";

export function ApiCampaigns() {
  const { session } = useSession();
  const manager = isManager(session);
  const paging = useCursor();
  const { cursor } = paging;
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState("");
  const list = useApi(() => get<Paged<ApiCampaign>>(`/v1/api-campaigns${query({ limit: 100, cursor })}`), [cursor]);
  const campaigns = list.data?.data ?? [];
  return (
    <Page
      title="API campaigns"
      actions={
        manager ? (
          <button type="button" class="primary" aria-expanded={creating} onClick={() => setCreating(!creating)}>
            New API campaign
          </button>
        ) : null
      }
    >
      <p class="muted">
        An API campaign sends one approved template to one person per request, from a CRM, a website or a script.
      </p>
      <p role="status" class="muted">
        {notice}
      </p>
      {creating ? (
        <CreateApiCampaign
          onCreated={(c) => {
            setNotice(`Created ${c.name}.`);
            setCreating(false);
            list.reload();
          }}
        />
      ) : null}
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? <CampaignTable campaigns={campaigns} manager={manager} onChanged={list.reload} /> : null}
      <Pager next={list.data?.nextCursor} paging={paging} />
      <h2>Send one message</h2>
      {list.data ? <SendForm campaigns={campaigns} /> : null}
    </Page>
  );
}

function CampaignTable({
  campaigns,
  manager,
  onChanged,
}: {
  campaigns: ApiCampaign[];
  manager: boolean;
  onChanged: () => void;
}) {
  const [error, setError] = useState<Error>();
  const toggle = async (c: ApiCampaign) => {
    setError(undefined);
    try {
      await post(`/v1/api-campaigns/${encodeURIComponent(c.id)}/${c.status === "live" ? "pause" : "resume"}`);
      onChanged();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <>
      <ErrorNote error={error} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Template</th>
              <th scope="col">Status</th>
              <th scope="col">Created</th>
              {manager ? <th scope="col">Sending</th> : null}
            </tr>
          </thead>
          <tbody>
            {campaigns.map((c) => (
              <tr key={c.id}>
                <td>
                  <a href={campaignHref(c.id, "api")}>{c.name}</a>
                </td>
                <td>
                  {c.template ? `${c.template.name} (${c.template.language})` : <span class="muted">deleted</span>}
                </td>
                <td>
                  <StatusBadge status={c.status} />
                  {c.pausedReason ? <small class="muted"> {c.pausedReason}</small> : null}
                </td>
                <td>{when(c.createdAt)}</td>
                {manager ? (
                  <td>
                    <button
                      type="button"
                      aria-label={`${c.status === "live" ? "Pause" : "Resume"} ${c.name}`}
                      onClick={() => toggle(c)}
                    >
                      {c.status === "live" ? "Pause" : "Resume"}
                    </button>
                  </td>
                ) : null}
              </tr>
            ))}
            {campaigns.length === 0 ? <EmptyRow columns={manager ? 5 : 4}>No API campaigns yet.</EmptyRow> : null}
          </tbody>
        </table>
      </div>
    </>
  );
}
