import type { Audience, AudienceContactsResponse } from "../../../../src/client/types";
import { get, query } from "../../api";
import { Pager, useCursor } from "../../components/paging";
import { ErrorNote, Loading } from "../../components/ui";
import { useApi } from "../../components/use-api";

const PAGE_SIZE = 50;

/** One audience's members, a page at a time (a segment is evaluated as the pages are asked for). */
export function Members({ audience }: { audience: Audience }) {
  const paging = useCursor();
  const { cursor } = paging;
  const members = useApi(
    () =>
      get<AudienceContactsResponse>(
        `/v1/retrieve/audience/contacts${query({ id: audience.id, limit: PAGE_SIZE, cursor })}`,
      ),
    [audience.id, cursor],
  );
  const rows = members.data?.contacts ?? [];
  return (
    <section aria-labelledby="members-title">
      <h2 id="members-title">Members of {audience.name}</h2>
      {audience.type === "segment" ? (
        <p class="muted">A segment: these are the contacts that match its filter now.</p>
      ) : null}
      <ErrorNote error={members.error} />
      {members.loading && !members.data ? <Loading /> : null}
      {members.data ? (
        <div class="table-wrap">
          <table>
            <caption class="muted">{rows.length} on this page</caption>
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Name</th>
                <th scope="col">Source</th>
                <th scope="col">Opted out</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((m) => (
                <tr key={m.number}>
                  <td>{m.number}</td>
                  <td>{m.name ?? "—"}</td>
                  <td>{m.source ?? "—"}</td>
                  <td>{m.optedOut ? "Yes" : "No"}</td>
                </tr>
              ))}
              {rows.length === 0 ? (
                <tr>
                  <td colSpan={4} class="muted">
                    {members.data.nextCursor ? "None on this page; there are more pages." : "No members."}
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
      ) : null}
      <Pager next={members.data?.nextCursor} paging={paging} />
    </section>
  );
}
