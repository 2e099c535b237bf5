import { useState } from "preact/hooks";
import type { Audience, AudiencesResponse } from "../../../src/client/types";
import { get, query } from "../api";
import { EmptyRow, Pager, useCursor } from "../components/paging";
import { ErrorNote, Loading, Page, StatusBadge, when } from "../components/ui";
import { useApi } from "../components/use-api";
import { isManager, useSession } from "../session";
import { CreateAudience } from "./audiences/create-form";
import { Members } from "./audiences/members";

export function Audiences() {
  const { session } = useSession();
  if (!isManager(session)) {
    return (
      <Page title="Audiences">
        <p>Audiences are managed with a manager key: sign in with one to see and create them.</p>
      </Page>
    );
  }
  return <AudienceList />;
}

function AudienceList() {
  const paging = useCursor();
  const { cursor } = paging;
  const [open, setOpen] = useState<Audience>();
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState("");
  const list = useApi(() => get<AudiencesResponse>(`/v1/retrieve/audiences${query({ limit: 50, cursor })}`), [cursor]);
  const audiences = list.data?.audiences ?? [];
  return (
    <Page
      title="Audiences"
      actions={
        <button type="button" class="primary" aria-expanded={creating} onClick={() => setCreating(!creating)}>
          New audience
        </button>
      }
    >
      <p role="status" class="muted">
        {notice}
      </p>
      {creating ? (
        <CreateAudience
          onCreated={(r) => {
            setNotice(`Created ${r.audience.name} with ${r.added} member${r.added === 1 ? "" : "s"} added.`);
            setCreating(false);
            setOpen(r.audience);
            list.reload();
          }}
        />
      ) : null}
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Id</th>
                <th scope="col">Kind</th>
                <th scope="col" class="num">
                  Size
                </th>
                <th scope="col">Created</th>
                <th scope="col">Members</th>
              </tr>
            </thead>
            <tbody>
              {audiences.map((a) => (
                <tr key={a.id}>
                  <td>{a.name}</td>
                  <td>
                    <code>{a.id}</code>
                  </td>
                  <td>
                    <StatusBadge status={a.type} />
                  </td>
                  <td class="num">{a.contacts === null ? "by filter" : a.contacts.toLocaleString()}</td>
                  <td>{when(a.createdAt)}</td>
                  <td>
                    <button type="button" aria-label={`Show the members of ${a.name}`} onClick={() => setOpen(a)}>
                      Show
                    </button>
                  </td>
                </tr>
              ))}
              {audiences.length === 0 ? <EmptyRow columns={6}>No audiences yet.</EmptyRow> : null}
            </tbody>
          </table>
        </div>
      ) : null}
      <Pager next={list.data?.nextCursor} paging={paging} />
      {open ? <Members key={open.id} audience={open} /> : null}
    </Page>
  );
}
