import type { RunJob } from "../../queues/contracts";
import { sendJobs } from "../../queues/producers";

// Every run job names its run and project and re-reads the run row before acting, so a duplicate
// or late delivery finds the run moved on and does nothing.

export const enqueueRunJob = (env: Pick<Env, "JOBS">, job: RunJob, delaySeconds?: number) =>
  sendJobs(env, [job], { delaySeconds });
