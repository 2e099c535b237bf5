import { get, query } from "../api";
import { ErrorNote, Loading, Page, percent } from "../components/ui";
import { useApi } from "../components/use-api";
import { LimitCard, type MessagingLimit } from "./overview/limit";
import { NumberCard, type OverviewNumber } from "./overview/number";
import { type RecentCampaign, RecentCampaigns } from "./overview/recent";

interface Overview {
  today: {
    since: string;
    accepted: number;
    sent: number;
    delivered: number;
    read: number;
    failed: number;
    pending: number;
  };
  number: OverviewNumber | null;
  recentCampaigns: RecentCampaign[];
}

/** The start of the viewer's day, so "today" means their today. */
function localMidnight() {
  const d = new Date();
  d.setHours(0, 0, 0, 0);
  return d.toISOString();
}

const Card = ({ label, value, note }: { label: string; value: string | number; note?: string }) => (
  <div class="card">
    <div class="label">{label}</div>
    <div class="value">{typeof value === "number" ? value.toLocaleString() : value}</div>
    {note ? <div class="muted">{note}</div> : null}
  </div>
);

export function Overview() {
  const overview = useApi(() => get<Overview>(`/v1/project/overview${query({ since: localMidnight() })}`));
  const limit = useApi(() => get<MessagingLimit>("/v1/project/messaging-limit"));
  const t = overview.data?.today;
  return (
    <Page
      title="Overview"
      actions={
        <button
          type="button"
          onClick={() => {
            overview.reload();
            limit.reload();
          }}
        >
          Refresh
        </button>
      }
    >
      <ErrorNote error={overview.error} />
      <h2>Today</h2>
      {t ? (
        <div class="cards">
          <Card label="Sent today" value={t.sent} note={`${t.accepted.toLocaleString()} accepted`} />
          <Card
            label="Delivery rate"
            value={percent(t.delivered, t.sent)}
            note={`${t.delivered.toLocaleString()} delivered`}
          />
          <Card label="Read rate" value={percent(t.read, t.delivered)} note={`${t.read.toLocaleString()} read`} />
          <Card label="Failed today" value={t.failed} />
          <Card label="Waiting to send" value={t.pending} />
        </div>
      ) : overview.loading ? (
        <Loading />
      ) : null}
      <div class="grid-2">
        <section aria-labelledby="limit-title">
          <h2 id="limit-title">Messaging limit</h2>
          <ErrorNote error={limit.error} />
          {limit.data ? <LimitCard limit={limit.data} /> : limit.loading ? <Loading /> : null}
        </section>
        <section aria-labelledby="number-title">
          <h2 id="number-title">WhatsApp number</h2>
          {overview.data ? <NumberCard number={overview.data.number} /> : null}
        </section>
      </div>
      <h2>Recent campaigns</h2>
      {overview.data ? <RecentCampaigns campaigns={overview.data.recentCampaigns} /> : null}
    </Page>
  );
}
