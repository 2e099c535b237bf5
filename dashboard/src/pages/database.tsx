import { get } from "../api";
import { ErrorNote, Loading, Page, when } from "../components/ui";
import { useApi } from "../components/use-api";
import { type Sample, SizeChart } from "./database/size-chart";

// The operator's view of the one D1 database every project shares: how full it is, how fast it
// grows and when it would be full (GET /v1/admin/storage). When the report warns, the Worker is
// already archiving early (docs/scaling.md); the page says so and what is left to decide.

/** GET /v1/admin/storage's answer as JSON (StorageReportSchema, src/features/storage/schemas.ts). */
interface StorageReport {
  bytes: number;
  limitBytes: number;
  usedRatio: number;
  growthBytesPerDay: number | null;
  daysLeft: number | null;
  warning: boolean;
  reasons: string[];
  measuredAt: string;
  samples: Sample[];
}

const gb = (bytes: number) => `${(bytes / 1000 ** 3).toFixed(bytes < 10 * 1000 ** 3 ? 2 : 1)} GB`;
const mb = (bytes: number) => `${(bytes / 1000 ** 2).toLocaleString(undefined, { maximumFractionDigits: 1 })} MB`;

function growth(r: StorageReport) {
  if (r.growthBytesPerDay === null) return { value: "—", note: "needs an hour of readings" };
  if (r.growthBytesPerDay <= 0) return { value: "not growing", note: "over the last week" };
  return { value: `${mb(r.growthBytesPerDay)} a day`, note: "over the last week" };
}

const Card = ({ label, value, note }: { label: string; value: string; note?: string }) => (
  <div class="card">
    <div class="label">{label}</div>
    <div class="value">{value}</div>
    {note ? <div class="muted">{note}</div> : null}
  </div>
);

function Warning({ report }: { report: StorageReport }) {
  return (
    <div class="error" role="alert">
      <strong>The database is nearing its ceiling.</strong>
      <ul>
        {report.reasons.map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
      <p>
        Once an hour while this holds, the Worker archives early to R2 what every project finished more than{" "}
        <code>STORAGE_EARLY_ARCHIVE_DAYS</code> (7 unless set) ago, and logs the warning at error level. Shorten a
        project's retention, or archive one now from its page; when the database is full, every write fails.
      </p>
    </div>
  );
}

export function Database() {
  const report = useApi(() => get<StorageReport>("/v1/admin/storage"));
  const r = report.data;
  const g = r ? growth(r) : undefined;
  return (
    <Page
      title="Database"
      actions={
        <button type="button" onClick={report.reload}>
          Refresh
        </button>
      }
    >
      <ErrorNote error={report.error} />
      {r && g ? (
        <>
          {r.warning ? <Warning report={r} /> : null}
          <div class="cards">
            <Card label="Size" value={gb(r.bytes)} note={`of ${gb(r.limitBytes)}`} />
            <Card label="Used" value={`${(r.usedRatio * 100).toFixed(1)}%`} />
            <Card label="Growth" value={g.value} note={g.note} />
            <Card
              label="Days left"
              value={r.daysLeft === null ? "—" : Math.floor(r.daysLeft).toLocaleString()}
              note={r.daysLeft === null ? "not growing" : "at that growth"}
            />
          </div>
          <label for="db-used">How full the database is</label>
          <meter id="db-used" min={0} max={1} low={0.6} high={0.8} optimum={0} value={r.usedRatio}>
            {(r.usedRatio * 100).toFixed(1)}%
          </meter>
          <h2>Size over the last week</h2>
          <SizeChart samples={r.samples} />
          <p class="muted">Measured {when(r.measuredAt)}.</p>
        </>
      ) : report.loading ? (
        <Loading />
      ) : null}
    </Page>
  );
}
