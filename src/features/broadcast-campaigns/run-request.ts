import type { Context } from "hono";
import { fromZodError } from "../../platform/errors";
import type { AppEnv } from "../../platform/http/context";
import { jsonContent } from "../../platform/http/openapi";
import { DryRunResponse, handleRunRequest, RunRequestBody, RunResponse } from "../runs/request";
import type { CreateCampaignInput } from "./schemas";

// The reference document's "Send Campaign" curl posts `{ "campaignId": … }` to /v1/create/campaign,
// while its table names POST /v1/run/campaign. A create body with `campaignId` and no `title` can
// only mean the former, so it is checked and answered exactly as a run request.

export const RunCampaignResponses = {
  202: jsonContent(RunResponse, "A run request (`campaignId` without `title`): the run, started or scheduled"),
  200: jsonContent(DryRunResponse, "A run request with `dryRun`: who would be sent and skipped"),
};

export function runCampaignRequest(c: Context<AppEnv>, body: CreateCampaignInput) {
  const request = RunRequestBody.safeParse({
    campaignId: body.campaignId,
    // The run fields may sit in `options`, like the create request's.
    audiences: body.options?.audiences ?? body.audiences,
    timeToRun: body.options?.timeToRun ?? body.timeToRun,
    dryRun: body.dryRun,
  });
  if (!request.success) throw fromZodError(request.error, "json");
  return handleRunRequest(c, request.data);
}
