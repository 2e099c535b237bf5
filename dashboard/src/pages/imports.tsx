import { useState } from "preact/hooks";
import type { Import, ImportsResponse } from "../../../src/client/types";
import { get, query } from "../api";
import { EmptyRow, Pager, useCursor } from "../components/paging";
import { ErrorNote, Loading, Page, StatusBadge, when } from "../components/ui";
import { useApi } from "../components/use-api";
import { isManager, useSession } from "../session";
import { ImportStatus } from "./imports/import-status";
import { UploadForm } from "./imports/upload-form";

export function Imports() {
  const { session } = useSession();
  if (!isManager(session)) {
    return (
      <Page title="Imports">
        <p>Imports need a manager key: sign in with one to upload CSV files.</p>
      </Page>
    );
  }
  return <ImportsPage />;
}

function ImportsPage() {
  const paging = useCursor();
  const { cursor } = paging;
  const [shown, setShown] = useState<string>();
  const list = useApi(() => get<ImportsResponse>(`/v1/imports${query({ limit: 50, cursor })}`), [cursor]);
  return (
    <Page title="Imports">
      <p class="muted">
        Upload a CSV of contacts into an audience, or of variable values into a variable group. Large files are fine:
        the import runs in the background and this page follows it.
      </p>
      <UploadForm
        onUploaded={(i) => {
          setShown(i.id);
          list.reload();
        }}
      />
      {shown ? <ImportStatus key={shown} importId={shown} onFinished={list.reload} /> : null}
      <h2>Past imports</h2>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? <ImportTable imports={list.data.imports} onShow={setShown} /> : null}
      <Pager next={list.data?.nextCursor} paging={paging} />
    </Page>
  );
}

function ImportTable({ imports, onShow }: { imports: Import[]; onShow: (id: string) => void }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="muted">Oldest first</caption>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Into</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              Rows
            </th>
            <th scope="col" class="num">
              Rejected
            </th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {imports.map((i) => (
            <tr key={i.id}>
              <td>{when(i.createdAt)}</td>
              <td>
                {i.kind === "audience" ? "Audience" : "Variable group"} <code>{i.groupId ?? i.audienceId}</code>
              </td>
              <td>
                <StatusBadge status={i.status} />
              </td>
              <td class="num">{i.rowsDone.toLocaleString()}</td>
              <td class="num">{i.rowsRejected.toLocaleString()}</td>
              <td>
                <button type="button" aria-label={`Show import ${i.id}`} onClick={() => onShow(i.id)}>
                  Show
                </button>
              </td>
            </tr>
          ))}
          {imports.length === 0 ? <EmptyRow columns={6}>No imports yet.</EmptyRow> : null}
        </tbody>
      </table>
    </div>
  );
}
