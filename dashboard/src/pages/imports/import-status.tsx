import { useEffect, useState } from "preact/hooks";
import type { ImportDetail, ImportDetailResponse } from "../../../../src/client/types";
import { get } from "../../api";
import { ErrorNote, Loading, StatusBadge, when } from "../../components/ui";
import { downloadRejects } from "./rejects";

const POLL_MS = 1000;
const finished = (i: ImportDetail) => i.status === "completed" || i.status === "failed";

/** One import, polled until it completes or fails, with its rejected rows to download. */
export function ImportStatus({ importId, onFinished }: { importId: string; onFinished?: () => void }) {
  const [detail, setDetail] = useState<ImportDetail>();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const { import: current } = await get<ImportDetailResponse>(`/v1/imports/${encodeURIComponent(importId)}`);
        if (stopped) return;
        setDetail(current);
        setError(undefined);
        if (finished(current)) {
          onFinished?.();
          return;
        }
      } catch (err) {
        if (stopped) return;
        setError(err as Error);
      }
      timer = setTimeout(poll, POLL_MS);
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [importId]);

  if (!detail) return error ? <ErrorNote error={error} /> : <Loading what="Loading the import" />;
  const pct = Math.round(detail.progress * 100);
  return (
    <section aria-labelledby="import-title" class="import-status">
      <h2 id="import-title">
        Import <code>{detail.id}</code> <StatusBadge status={detail.status} />
      </h2>
      <label for="import-progress">
        Imported {pct}% of the file{finished(detail) ? "" : "…"}
      </label>
      <progress id="import-progress" max={1} value={detail.progress}>
        {pct}%
      </progress>
      <p aria-live="polite">
        {detail.rowsDone.toLocaleString()} rows imported, {detail.rowsRejected.toLocaleString()} rejected
        {detail.status === "completed" ? " — done." : "."}
      </p>
      <dl class="import-facts">
        <dt>Into</dt>
        <dd>
          {detail.kind === "audience" ? "Audience" : "Variable group"}{" "}
          <code>{detail.groupId ?? detail.audienceId}</code>
          {detail.kind === "variable_group" && detail.audienceId ? (
            <>
              {" "}
              and audience <code>{detail.audienceId}</code>
            </>
          ) : null}
        </dd>
        <dt>Started</dt>
        <dd>{when(detail.createdAt)}</dd>
        <dt>Finished</dt>
        <dd>{when(detail.finishedAt)}</dd>
        {detail.ignoredColumns.length > 0 ? (
          <>
            <dt>Ignored columns</dt>
            <dd>{detail.ignoredColumns.join(", ")}</dd>
          </>
        ) : null}
      </dl>
      {detail.error ? <p class="error">The import failed: {detail.error}</p> : null}
      <ErrorNote error={error} />
      {detail.rejects.length > 0 ? <Rejects detail={detail} /> : null}
    </section>
  );
}

function Rejects({ detail }: { detail: ImportDetail }) {
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await downloadRejects(detail.id);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h3>Rejected rows</h3>
      <div class="actions">
        <button type="button" onClick={download} disabled={busy}>
          Download all {detail.rowsRejected.toLocaleString()} rejects (CSV)
        </button>
      </div>
      <ErrorNote error={error} />
      <div class="table-wrap">
        <table>
          <caption class="muted">
            The first {detail.rejects.length} of {detail.rowsRejected.toLocaleString()}
          </caption>
          <thead>
            <tr>
              <th scope="col" class="num">
                Line
              </th>
              <th scope="col">Number</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {detail.rejects.map((r) => (
              <tr key={r.line}>
                <td class="num">{r.line}</td>
                <td>{r.number ?? "—"}</td>
                <td>{r.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
