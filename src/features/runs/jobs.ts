// What the `jobs` queue carries for runs. Every job names its run and project and re-reads the run
// row before acting, so a duplicate or late delivery finds the run moved on and does nothing.

/** A scheduled or waiting run is due: check its template and begin fanning out. */
export interface RunStartJob {
  kind: "run-start";
  runId: string;
  projectId: string;
}

/** One page of a run's fan-out, from the cursor stored on the run row. */
export interface RunFanoutJob {
  kind: "run-fanout";
  runId: string;
  projectId: string;
}

/** Puts a resumed run's queued messages back on the sends queue, a page per job. */
export interface RunRequeueJob {
  kind: "run-requeue";
  runId: string;
  projectId: string;
  /** Message id the previous page ended at. */
  after: string;
}

/** Marks a cancelled run's queued messages skipped (reason `cancelled`), a page per job. */
export interface RunCancelJob {
  kind: "run-cancel";
  runId: string;
  projectId: string;
}

export type RunJob = RunStartJob | RunFanoutJob | RunRequeueJob | RunCancelJob;

export const enqueueRunJob = (env: Pick<Env, "JOBS">, job: RunJob, delaySeconds?: number) =>
  env.JOBS.send(job, delaySeconds === undefined ? undefined : { delaySeconds });
