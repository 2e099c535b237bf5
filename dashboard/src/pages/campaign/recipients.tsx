import { useEffect, useState } from "preact/hooks";
import { ApiFailure, query } from "../../api";
import { Pager, useCursor } from "../../components/paging";
import { ErrorNote, Field, Loading, StatusBadge, when } from "../../components/ui";
import { TableScroll } from "./table-scroll";
import type { Recipient } from "./types";

const STATUSES = ["queued", "sending", "sent", "delivered", "read", "failed", "skipped"];
const PAGE_SIZE = 50;

export interface RecipientFilter {
  status: string;
  errorCode: string;
}

// The route gives the next page's cursor in a header, which `get` does not return.
async function recipientsPage(campaignId: string, filter: RecipientFilter, cursor: string | undefined) {
  const res = await fetch(
    `/v1/retrieve/campaign${query({ campaignId, limit: PAGE_SIZE, cursor, status: filter.status, errorCode: filter.errorCode })}`,
    { credentials: "same-origin" },
  );
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const e = (body as { error?: { code?: string; message?: string; fields?: [] } } | null)?.error;
    throw new ApiFailure(res.status, e?.code ?? "error", e?.message ?? `${res.status}`, e?.fields ?? []);
  }
  return { rows: body as Recipient[], next: res.headers.get("X-Next-Cursor") };
}

/** Who the campaign's runs sent to, filtered by status and error code, a page at a time. */
export function Recipients({
  campaignId,
  filter,
  setFilter,
  tick,
}: {
  campaignId: string;
  filter: RecipientFilter;
  setFilter: (f: RecipientFilter) => void;
  tick: number;
}) {
  const paging = useCursor();
  const [page, setPage] = useState<{ rows: Recipient[]; next: string | null }>();
  const [error, setError] = useState<Error>();
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);
  const { cursor } = paging;
  useEffect(() => {
    let current = true;
    recipientsPage(campaignId, filter, cursor).then(
      (p) => {
        if (!current) return;
        setPage(p);
        setError(undefined);
      },
      (e: Error) => current && setError(e),
    );
    return () => {
      current = false;
    };
  }, [campaignId, filter, cursor, tick]);
  const csv = `/v1/retrieve/campaign${query({ campaignId, format: "csv", status: filter.status, errorCode: filter.errorCode })}`;
  return (
    <section aria-labelledby="recipients-title">
      <h2 id="recipients-title">Recipients</h2>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          paging.reset();
          setFilter(draft);
        }}
      >
        <Field label="Status" name="status" error={error}>
          <select
            id="f-status"
            value={draft.status}
            onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value })}
          >
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Error code" name="errorCode" error={error} hint="WhatsApp's code, e.g. 131026">
          <input
            id="f-errorCode"
            inputMode="numeric"
            value={draft.errorCode}
            onInput={(e) => setDraft({ ...draft, errorCode: e.currentTarget.value.trim() })}
          />
        </Field>
        <div class="actions">
          <button type="submit">Filter</button>
          <a class="button" href={csv} download={`recipients-${campaignId}.csv`}>
            Export CSV
          </a>
        </div>
      </form>
      <ErrorNote error={error} />
      {!page && !error ? <Loading what="Reading the recipients" /> : null}
      {page ? (
        <>
          <TableScroll label="Recipients">
            <table>
              <thead>
                <tr>
                  <th scope="col">Number</th>
                  <th scope="col">Status</th>
                  <th scope="col">Sent</th>
                  <th scope="col">Delivered</th>
                  <th scope="col">Read</th>
                  <th scope="col">Error or reason</th>
                </tr>
              </thead>
              <tbody>
                {page.rows.length === 0 ? (
                  <tr>
                    <td colSpan={6} class="muted">
                      No recipients{filter.status || filter.errorCode ? " match these filters" : " yet"}.
                    </td>
                  </tr>
                ) : null}
                {page.rows.map((r) => (
                  <tr key={r.messageId}>
                    <td>{r.number}</td>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td>{when(r.sentAt)}</td>
                    <td>{when(r.deliveredAt)}</td>
                    <td>{when(r.readAt)}</td>
                    <td>{r.errorCode !== null ? `${r.errorCode} ${r.errorReason ?? ""}` : (r.skipReason ?? "")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          <Pager next={page.next} paging={paging} />
        </>
      ) : null}
    </section>
  );
}
