import { get } from "../../api";
import { ErrorNote, Loading } from "../../components/ui";
import { useApi } from "../../components/use-api";
import { TableScroll } from "./table-scroll";
import type { Run, RunStats } from "./types";

interface RunFailures {
  failed: number;
  failures: { code: number | null; label: string; count: number }[];
}

/** Every run's failures by Meta's code, summed over the runs, most first. */
async function campaignFailures(runs: Run[]) {
  const answers = await Promise.all(
    runs.map((r) => get<RunFailures>(`/v1/runs/${encodeURIComponent(r.runId)}/failures`)),
  );
  const byCode = new Map<string, { code: number | null; label: string; count: number }>();
  for (const f of answers.flatMap((a) => a.failures)) {
    const key = String(f.code);
    const seen = byCode.get(key);
    if (seen) seen.count += f.count;
    else byCode.set(key, { ...f });
  }
  return [...byCode.values()].sort((a, b) => b.count - a.count);
}

/** Failures by reason: the counters' kinds, and (for a broadcast campaign's runs) Meta's codes. */
export function Failures({
  stats,
  runs,
  onPickCode,
}: {
  stats: RunStats;
  runs: Run[] | undefined;
  onPickCode?: (code: number) => void;
}) {
  const kinds: [string, number][] = [
    ["Not accepted by WhatsApp (send errors)", stats.sendErrors],
    ["Not delivered (delivery errors)", stats.deliveryErrors],
    ["Not on WhatsApp", stats.notOnWhatsApp],
    ["Held by Meta: marketing limit", stats.marketingLimited],
    ["Held by Meta: marketing experiment", stats.marketingExperiment],
  ];
  const failedTotal = kinds.reduce((n, [, v]) => n + v, 0);
  const runIds = (runs ?? []).map((r) => r.runId).join(",");
  // Read again when the failed count moves, so the codes follow the live counters.
  const codes = useApi(
    () => (runs && runs.length > 0 ? campaignFailures(runs) : Promise.resolve([])),
    [runIds, failedTotal],
  );
  return (
    <section aria-labelledby="failures-title">
      <h2 id="failures-title">Failures by reason</h2>
      <TableScroll label="Failures by kind">
        <table>
          <caption class="muted">By kind, from the counters</caption>
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col" class="num">
                Messages
              </th>
            </tr>
          </thead>
          <tbody>
            {kinds.map(([label, value]) => (
              <tr key={label}>
                <td>{label}</td>
                <td class="num">{value.toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {runs ? (
        <>
          <ErrorNote error={codes.error} />
          {codes.loading && !codes.data ? <Loading what="Reading the error codes" /> : null}
          {codes.data && codes.data.length > 0 ? (
            <TableScroll label="Failures by error code">
              <table>
                <caption class="muted">By WhatsApp's error code, over every run</caption>
                <thead>
                  <tr>
                    <th scope="col">Code</th>
                    <th scope="col">Reason</th>
                    <th scope="col" class="num">
                      Messages
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {codes.data.map((f) => (
                    <tr key={String(f.code)}>
                      <td>
                        {f.code !== null && onPickCode ? (
                          <button
                            type="button"
                            class="link"
                            aria-label={`Show the recipients who failed with ${f.code}`}
                            onClick={() => onPickCode(f.code as number)}
                          >
                            {f.code}
                          </button>
                        ) : (
                          (f.code ?? "—")
                        )}
                      </td>
                      <td>{f.label}</td>
                      <td class="num">{f.count.toLocaleString()}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          ) : codes.data ? (
            <p class="muted">No failures with an error code.</p>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
