import { useState } from "preact/hooks";
import { ApiFailure, post } from "../../api";
import { ConfirmButton, ErrorNote, Field, StatusBadge } from "../../components/ui";
import type { DryRun, Run } from "./types";

const CAN_PAUSE = new Set(["fanning_out", "sending"]);
const CAN_CANCEL = new Set(["scheduled", "waiting_template", "fanning_out", "sending", "paused"]);
const CAN_RETRY = new Set(["completed", "cancelled", "paused"]);

const audienceList = (text: string) =>
  text
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);

function describeDryRun(d: DryRun): string {
  const missing = Object.values(d.skipped.missing_variable).reduce((n, v) => n + v, 0);
  return `Dry run: ${d.wouldSend} of ${d.recipients} recipients would be sent to; skipped: ${d.skipped.opted_out} opted out, ${d.skipped.us_marketing_paused} US marketing, ${missing} missing a variable. Template: ${d.templateStatus ?? "none"}.`;
}

/** Run, schedule or dry-run a broadcast campaign, and pause, resume, cancel or retry one of its runs. */
export function RunActions({ campaignId, runs, onChange }: { campaignId: string; runs: Run[]; onChange: () => void }) {
  const newest = [...runs].reverse();
  const [audiences, setAudiences] = useState((runs.at(-1)?.audiences ?? ["all"]).join(", "));
  const [timeToRun, setTimeToRun] = useState("");
  const [runId, setRunId] = useState(newest[0]?.runId ?? "");
  const [answer, setAnswer] = useState("");
  const [error, setError] = useState<Error>();
  const selected = runs.find((r) => r.runId === runId) ?? newest[0];

  // The answer goes under the form; the error both there (at its field) and in the dialog.
  const act = (what: () => Promise<string>) => async () => {
    setError(undefined);
    try {
      const said = await what();
      setAnswer(said);
      onChange();
    } catch (e) {
      setError(e as Error);
      throw e;
    }
  };
  const start = (extra: Record<string, unknown>) =>
    post<{ run: Run }>("/v1/run/campaign", { campaignId, audiences: audienceList(audiences), ...extra });
  const runNow = act(async () => {
    const { run } = await start({});
    setRunId(run.runId);
    return `Run ${run.runId} started: ${run.status}.`;
  });
  const schedule = act(async () => {
    // Without a time the API would run it now: that is "Run now", not a schedule.
    if (!timeToRun) {
      const message = "choose the time to run at";
      throw new ApiFailure(400, "invalid_request", message, [{ field: "timeToRun", in: "body", message }]);
    }
    const { run } = await start({ timeToRun: new Date(timeToRun).toISOString() });
    setRunId(run.runId);
    return `Run ${run.runId} ${run.status}${run.timeToRun ? ` for ${new Date(run.timeToRun).toLocaleString()}` : ""}.`;
  });
  const dryRun = act(async () =>
    describeDryRun(((await start({ dryRun: true })) as unknown as { dryRun: DryRun }).dryRun),
  );
  const runAction = (name: "pause" | "resume" | "cancel" | "retry") =>
    act(async () => {
      if (!selected) throw new Error("no run to act on");
      const { run } = await post<{ run: Run }>(`/v1/runs/${encodeURIComponent(selected.runId)}/${name}`);
      if (name === "retry") setRunId(run.runId);
      return `Run ${run.runId}: ${run.status}.`;
    });

  return (
    <section aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <div class="grid-2">
        <div>
          <Field
            label="Audiences"
            name="audiences"
            error={error}
            hint="Ids or names, comma-separated; all for everyone"
          >
            <input id="f-audiences" value={audiences} onInput={(e) => setAudiences(e.currentTarget.value)} />
          </Field>
          <Field label="Time to run (for Schedule)" name="timeToRun" error={error}>
            <input
              id="f-timeToRun"
              type="datetime-local"
              value={timeToRun}
              onInput={(e) => setTimeToRun(e.currentTarget.value)}
            />
          </Field>
          <div class="actions">
            <ConfirmButton label="Run now" question="Send this campaign to the audiences now?" onConfirm={runNow} />
            <ConfirmButton label="Schedule" question="Schedule a run at the time given?" onConfirm={schedule} />
            <ConfirmButton
              label="Dry run"
              question="Count who would be sent to and who skipped? Nothing is sent."
              onConfirm={dryRun}
            />
          </div>
        </div>
        {selected ? (
          <div>
            <Field label="Run" name="runId" error={error}>
              <select id="f-runId" value={selected.runId} onChange={(e) => setRunId(e.currentTarget.value)}>
                {newest.map((r) => (
                  <option key={r.runId} value={r.runId}>
                    {new Date(r.createdAt).toLocaleString()} · {r.status}
                    {r.retryOf ? " · retry" : ""}
                  </option>
                ))}
              </select>
            </Field>
            <p>
              <StatusBadge status={selected.status} /> <code>{selected.runId}</code>
              {selected.statusReason ? <span class="muted"> — {selected.statusReason}</span> : null}
            </p>
            <div class="actions">
              {CAN_PAUSE.has(selected.status) ? (
                <ConfirmButton
                  label="Pause"
                  question="Pause this run? Queued messages wait."
                  onConfirm={runAction("pause")}
                />
              ) : null}
              {selected.status === "paused" ? (
                <ConfirmButton label="Resume" question="Resume this run?" onConfirm={runAction("resume")} />
              ) : null}
              {CAN_CANCEL.has(selected.status) ? (
                <ConfirmButton
                  label="Cancel run"
                  question="Cancel this run? What is still queued is not sent."
                  danger
                  onConfirm={runAction("cancel")}
                />
              ) : null}
              {CAN_RETRY.has(selected.status) ? (
                <ConfirmButton
                  label="Retry failed"
                  question="Send again to this run's retryable failures?"
                  onConfirm={runAction("retry")}
                />
              ) : null}
            </div>
          </div>
        ) : null}
      </div>
      {answer ? (
        <p class="answer" role="status">
          {answer}
        </p>
      ) : null}
      <ErrorNote error={error} />
    </section>
  );
}
