import { get, query } from "../../api";
import { EmptyRow, Pager, useCursor } from "../../components/paging";
import { ErrorNote, Loading, StatusBadge, when } from "../../components/ui";
import { useApi } from "../../components/use-api";
import { campaignHref } from "./load";
import { failedOf } from "./progress";
import { TableScroll } from "./table-scroll";
import type { ApiCampaign, Campaign, RunStats, Stats } from "./types";

const PAGE_SIZE = 20;

/** The counters both lists show, in the funnel's order. */
const CountHeaders = () => (
  <>
    {["Queued", "Sent", "Delivered", "Read", "Failed"].map((label) => (
      <th key={label} scope="col" class="num">
        {label}
      </th>
    ))}
  </>
);

const campaignState = (c: Campaign) => c.runs.at(-1)?.status ?? (c.active ? "live" : "not run");

export function BroadcastList() {
  const paging = useCursor();
  const page = useApi(
    () =>
      get<{ campaigns: Campaign[]; nextCursor: string | null }>(
        `/v1/retrieve/campaigns${query({ limit: PAGE_SIZE, cursor: paging.cursor })}`,
      ),
    [paging.cursor],
  );
  return (
    <section aria-labelledby="broadcasts-title">
      <h2 id="broadcasts-title">Broadcast campaigns</h2>
      <ErrorNote error={page.error} />
      {page.loading && !page.data ? <Loading /> : null}
      {page.data ? (
        <>
          <TableScroll label="Broadcast campaigns">
            <table>
              <thead>
                <tr>
                  <th scope="col">Title</th>
                  <th scope="col">Latest run</th>
                  <th scope="col">Template</th>
                  <CountHeaders />
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {page.data.campaigns.length === 0 ? <EmptyRow columns={9}>No broadcast campaigns yet.</EmptyRow> : null}
                {page.data.campaigns.map((c) => {
                  const r = c.results;
                  const failed =
                    r.SendErrors +
                    r.DeliveryErrors +
                    r.NumbersNotOnWhatsApp +
                    r.MarketingLimited +
                    r.MarketingExperiment;
                  return (
                    <tr key={c.campaignId}>
                      <td>
                        <a href={`/app/campaigns/${c.campaignId}`}>{c.title}</a>
                      </td>
                      <td>
                        <StatusBadge status={campaignState(c)} />
                      </td>
                      <td>{c.whatsAppTemplatesStatus ?? "—"}</td>
                      <td class="num">{r.Queued}</td>
                      <td class="num">{r.Sent}</td>
                      <td class="num">{r.Delivered}</td>
                      <td class="num">{r.Read}</td>
                      <td class="num">{failed}</td>
                      <td>{when(c.createdAt)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableScroll>
          <Pager next={page.data.nextCursor} paging={paging} />
        </>
      ) : null}
    </section>
  );
}

/** API campaigns, each with its counters (one statistics read per campaign on the page). */
async function apiPage(cursor: string | undefined) {
  const page = await get<{ data: ApiCampaign[]; nextCursor: string | null }>(
    `/v1/api-campaigns${query({ limit: PAGE_SIZE, cursor })}`,
  );
  const stats = await Promise.all(
    page.data.map((c) =>
      get<Stats>(`/v1/campaigns/${encodeURIComponent(c.id)}/stats`).then(
        (s) => s.total,
        () => undefined,
      ),
    ),
  );
  return { rows: page.data.map((c, i) => ({ campaign: c, total: stats[i] })), nextCursor: page.nextCursor };
}

const cell = (total: RunStats | undefined, pick: (s: RunStats) => number) => (total ? pick(total) : "—");

export function ApiList() {
  const paging = useCursor();
  const page = useApi(() => apiPage(paging.cursor), [paging.cursor]);
  return (
    <section aria-labelledby="api-title">
      <h2 id="api-title">API campaigns</h2>
      <ErrorNote error={page.error} />
      {page.loading && !page.data ? <Loading /> : null}
      {page.data ? (
        <>
          <TableScroll label="API campaigns">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Template</th>
                  <CountHeaders />
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {page.data.rows.length === 0 ? <EmptyRow columns={9}>No API campaigns yet.</EmptyRow> : null}
                {page.data.rows.map(({ campaign: c, total }) => (
                  <tr key={c.id}>
                    <td>
                      <a href={campaignHref(c.id, "api")}>{c.name}</a>
                    </td>
                    <td>
                      <StatusBadge status={c.status} />
                    </td>
                    <td>{c.template?.name ?? "deleted"}</td>
                    <td class="num">{cell(total, (s) => s.queued)}</td>
                    <td class="num">{cell(total, (s) => s.sent)}</td>
                    <td class="num">{cell(total, (s) => s.delivered)}</td>
                    <td class="num">{cell(total, (s) => s.read)}</td>
                    <td class="num">{cell(total, failedOf)}</td>
                    <td>{when(c.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
          <Pager next={page.data.nextCursor} paging={paging} />
        </>
      ) : null}
    </section>
  );
}
