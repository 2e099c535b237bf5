import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { get, post } from "../api";
import { ConfirmButton, ErrorNote, Loading, Page, StatusBadge, when } from "../components/ui";
import { useApi } from "../components/use-api";
import { isManager, useSession } from "../session";
import { RunActions } from "./campaign/actions";
import { TimelineChart } from "./campaign/chart";
import { Failures } from "./campaign/failures";
import { type LiveMessage, useLive } from "./campaign/live";
import { loadCampaign } from "./campaign/load";
import { Counters, Funnel, ProgressBar } from "./campaign/progress";
import { type RecipientFilter, Recipients } from "./campaign/recipients";
import { useTimeline } from "./campaign/timeline";
import type { Analytics, AnyCampaign, Stats } from "./campaign/types";

const LIVE_LABEL = { connecting: "connecting…", open: "live", closed: "reconnecting…" } as const;
// Reads that follow the live counters (runs, replies, recipients) are asked again at most this often.
const FOLLOW_MS = 3000;

/** A tick that moves at most once per `ms` while `bump` is called, and once more after the last call. */
function useThrottledTick(ms: number) {
  const [tick, setTick] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const bump = useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      setTick((t) => t + 1);
    }, ms);
  }, [ms]);
  useEffect(() => () => clearTimeout(timer.current), []);
  return [tick, bump] as const;
}

export function CampaignPage() {
  const { params, query } = useRoute();
  const id = params.id ?? "";
  const kind = query.kind === "api" ? "api" : "broadcast";
  const { session } = useSession();
  const [tick, bump] = useThrottledTick(FOLLOW_MS);
  const [reloads, setReloads] = useState(0);
  const reload = useCallback(() => setReloads((n) => n + 1), []);
  const campaign = useApi(() => loadCampaign(id, kind), [id, kind, tick, reloads]);
  const stats = useApi(() => get<Stats>(`/v1/campaigns/${encodeURIComponent(id)}/stats`), [id]);
  const analytics = useApi(
    () => get<{ analytics: Analytics }>(`/v1/campaigns/${encodeURIComponent(id)}/analytics`),
    [id, tick],
  );
  const [live, setLive] = useState<Stats>();
  const { timeline, error: timelineError, addLive } = useTimeline(id);
  const [filter, setFilter] = useState<RecipientFilter>({ status: "", errorCode: "" });
  const onMessage = useCallback(
    (m: LiveMessage) => {
      setLive({ total: m.total, runs: m.runs });
      if (m.series) addLive(m.series.total);
      bump();
    },
    [addLive, bump],
  );
  const liveState = useLive(id, onMessage);
  const counters = live ?? stats.data;
  const c = campaign.data;
  const title = c?.name ?? "Campaign";

  return (
    <Page title={title} actions={<a href="/app/campaigns">All campaigns</a>}>
      <ErrorNote error={campaign.error ?? stats.error} />
      {!c && !campaign.error ? <Loading /> : null}
      {c ? <Summary campaign={c} onChange={reload} manager={isManager(session)} /> : null}
      <p class="muted" aria-live="polite">
        Updates: {LIVE_LABEL[liveState]}
      </p>
      {counters ? (
        <>
          <ProgressBar stats={counters.total} />
          <Counters stats={counters.total} />
          <div class="grid-2">
            <section aria-labelledby="funnel-title">
              <h2 id="funnel-title">Funnel</h2>
              <Funnel stats={counters.total} replied={analytics.data?.analytics.funnel.replied} />
              {analytics.data ? (
                <p class="muted">
                  Reply rate: {Math.round(analytics.data.analytics.replyRate * 1000) / 10}% of delivered
                </p>
              ) : null}
            </section>
            <section aria-labelledby="chart-title">
              <h2 id="chart-title">Over time</h2>
              <ErrorNote error={timelineError} />
              {timeline ? <TimelineChart points={timeline.points} resolution={timeline.resolution} /> : <Loading />}
            </section>
          </div>
          <Failures
            stats={counters.total}
            runs={c?.kind === "broadcast" ? c.broadcast.runs : undefined}
            onPickCode={(code) => setFilter({ status: "failed", errorCode: String(code) })}
          />
        </>
      ) : null}
      {c?.kind === "broadcast" && isManager(session) ? (
        <>
          <RunActions key={c.id} campaignId={c.id} runs={c.broadcast.runs} onChange={reload} />
          <Recipients campaignId={c.id} filter={filter} setFilter={setFilter} tick={tick} />
        </>
      ) : null}
      {c?.kind === "api" ? (
        <p class="muted">
          An API campaign sends one message per request: it has no runs, and its messages are read one by one through
          the messages API.
        </p>
      ) : null}
    </Page>
  );
}

function Summary({ campaign, onChange, manager }: { campaign: AnyCampaign; onChange: () => void; manager: boolean }) {
  const [answer, setAnswer] = useState("");
  if (campaign.kind === "broadcast") {
    const b = campaign.broadcast;
    return (
      <dl class="facts">
        <dt>Kind</dt>
        <dd>Broadcast</dd>
        <dt>State</dt>
        <dd>
          <StatusBadge status={b.active ? "active" : "inactive"} />
        </dd>
        <dt>Template</dt>
        <dd>
          {b.templateName ?? "deleted"}{" "}
          {b.whatsAppTemplatesStatus ? <StatusBadge status={b.whatsAppTemplatesStatus} /> : null}
        </dd>
        <dt>Runs</dt>
        <dd>{b.runs.length}</dd>
        <dt>Created</dt>
        <dd>{when(b.createdAt)}</dd>
        <dt>Message</dt>
        <dd>{b.message}</dd>
      </dl>
    );
  }
  const a = campaign.api;
  const toggle = async () => {
    const next = await post<{ status: string }>(
      `/v1/api-campaigns/${encodeURIComponent(a.id)}/${a.status === "live" ? "pause" : "resume"}`,
    );
    setAnswer(`The campaign is ${next.status}.`);
    onChange();
  };
  return (
    <>
      <dl class="facts">
        <dt>Kind</dt>
        <dd>API campaign</dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={a.status} /> {a.pausedReason ? <span class="muted">{a.pausedReason}</span> : null}
        </dd>
        <dt>Template</dt>
        <dd>{a.template ? `${a.template.name} (${a.template.status})` : "deleted"}</dd>
        <dt>Created</dt>
        <dd>{when(a.createdAt)}</dd>
      </dl>
      {manager ? (
        <div class="actions">
          <ConfirmButton
            label={a.status === "live" ? "Pause" : "Resume"}
            question={a.status === "live" ? "Pause this API campaign? Sends are refused." : "Resume this API campaign?"}
            onConfirm={toggle}
          />
        </div>
      ) : null}
      {answer ? <p role="status">{answer}</p> : null}
    </>
  );
}
