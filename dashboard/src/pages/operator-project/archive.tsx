import { get, post } from "../../api";
import { ConfirmButton, ErrorNote, Loading, when } from "../../components/ui";
import { useApi } from "../../components/use-api";

// A project's archive (GET /v1/admin/projects/{id}/archive): its retention, the job's last slices,
// and what has moved to R2. "Archive now" queues the job by the retention's cutoff, the action the
// Database page points to when the database nears its ceiling.

interface Totals {
  units: number;
  messages: number;
  bytes: number;
}

interface ArchiveStatus {
  retentionDays: number;
  running: boolean;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  requestedBefore: string | null;
  error: string | null;
  writing: Totals;
  written: Totals;
  pruned: Totals;
}

const STATES = [
  ["pruned", "Moved to R2 (deleted from D1)"],
  ["written", "Written to R2, being deleted from D1"],
  ["writing", "Being written"],
] as const;

export function Archive({ projectId }: { projectId: string }) {
  const path = `/v1/admin/projects/${encodeURIComponent(projectId)}/archive`;
  const status = useApi(() => get<ArchiveStatus>(path), [path]);
  const s = status.data;
  return (
    <section aria-labelledby="archive-title">
      <h2 id="archive-title">Archive</h2>
      <ErrorNote error={status.error} />
      {s ? (
        <>
          <p>
            Finished runs and API-campaign days older than <strong>{s.retentionDays} days</strong> move to R2, and are
            still read through the same routes. {s.running ? "A slice is running now." : ""}
          </p>
          {s.error ? (
            <div class="error" role="alert">
              <strong>The last slice failed:</strong> {s.error}
            </div>
          ) : null}
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">State</th>
                  <th scope="col" class="num">
                    Units
                  </th>
                  <th scope="col" class="num">
                    Messages
                  </th>
                  <th scope="col" class="num">
                    Compressed
                  </th>
                </tr>
              </thead>
              <tbody>
                {STATES.map(([key, label]) => (
                  <tr key={key} data-state={key}>
                    <td>{label}</td>
                    <td class="num">{s[key].units.toLocaleString()}</td>
                    <td class="num">{s[key].messages.toLocaleString()}</td>
                    <td class="num">{(s[key].bytes / 1000 ** 2).toFixed(1)} MB</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="muted">
            Queued {when(s.queuedAt)} · started {when(s.startedAt)} · last found nothing due {when(s.finishedAt)}
          </p>
          <ConfirmButton
            label="Archive now"
            question={`Archive what this project finished more than ${s.retentionDays} days ago, now rather than at the next hourly look?`}
            onConfirm={async () => {
              await post(path, {});
              status.reload();
            }}
          />
        </>
      ) : status.loading ? (
        <Loading />
      ) : null}
    </section>
  );
}
