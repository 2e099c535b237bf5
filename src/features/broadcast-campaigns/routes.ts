import { createRoute, z } from "@hono/zod-openapi";
import { managerOnly } from "../../platform/auth/manager-only";
import { fieldError, notFound } from "../../platform/errors";
import { router } from "../../platform/http/context";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor, toPage } from "../../platform/http/pagination";
import { type InputFrom, retrieveRoutes } from "../../platform/http/retrieve";
import { ArchiveScanner } from "../archive/scanner";
import { loadBroadcastCampaign } from "../broadcast-messages/campaign";
import { getRun } from "../runs/store";
import { createBroadcastCampaign } from "./create";
import {
  csvHeader,
  csvRecipient,
  RECIPIENT_COLUMNS,
  type RecipientKey,
  RecipientSchema,
  recipientsPage,
  streamRecipients,
} from "./recipients";
import { RunCampaignResponses, runCampaignRequest } from "./run-request";
import {
  CreateCampaignBody,
  CreateCampaignResponse,
  RetrieveCampaignInput,
  RetrieveCampaignsInput,
  RetrieveCampaignsResponse,
  TAGS,
} from "./schemas";
import { listBroadcastCampaigns } from "./store";
import { campaignViews, toCampaign } from "./view";

const create = createRoute({
  method: "post",
  path: "/create/campaign",
  tags: TAGS,
  summary: "Create a broadcast campaign",
  description:
    "Turns the message into a WhatsApp template (a NAMED template: `{group.field}` variables become `{{field}}`, e.g. `{users.first_name}` → `{{first_name}}`, in order of first appearance; `imgUrl` an image header; input and journey buttons quick replies, phone and url buttons call-to-action buttons) and submits it for review. With `runImmediately` (and `audiences`) a run starts at once, or at `timeToRun`; otherwise only the template is created, for a later `POST /v1/run/campaign`. A body with `campaignId` and no `title` is a run request, answered as `POST /v1/run/campaign` answers it.",
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: jsonBody(CreateCampaignBody),
  responses: {
    201: jsonContent(CreateCampaignResponse, "The campaign, and its run if one was started or scheduled"),
    ...RunCampaignResponses,
    ...errorResponses(400, 401, 403, 404, 409, 413, 422, 502),
  },
});

const retrieveCampaignsDescription =
  "Every broadcast campaign of the project, oldest first, each with its runs, its results (from the campaign's statistics) and its template's review status. `active=true` keeps the campaigns with a run that can still send (scheduled, waiting_template, fanning_out, sending or paused); `active=false` the others.";

const retrieveCampaigns = retrieveRoutes(
  {
    path: "/retrieve/campaigns",
    tags: TAGS,
    input: RetrieveCampaignsInput,
    middleware: managerOnly,
    get: { summary: "Retrieve campaigns", description: retrieveCampaignsDescription },
    post: {
      summary: "Retrieve campaigns (POST)",
      description: `${retrieveCampaignsDescription} The same as the GET, with the parameters in a JSON body.`,
    },
    responses: {
      200: jsonContent(RetrieveCampaignsResponse, "A page of campaigns"),
      ...errorResponses(400, 401, 403),
    },
  },
  async (c, input, from) => {
    const { db } = c.var;
    const { projectId } = c.var.principal;
    const limit = input.limit ?? DEFAULT_PAGE_SIZE;
    const afterId = decodeCursor(input.cursor, "string", from);
    const rows = await listBroadcastCampaigns(db, projectId, { active: input.active }, afterId, limit);
    const page = toPage(
      rows,
      limit,
      (r) => r.id,
      (r) => r,
    );
    const campaigns = await campaignViews({ env: c.env, db }, projectId, page.data);
    return c.json({ status: "success" as const, campaigns, nextCursor: page.nextCursor }, 200);
  },
);

// Recipients are read in (run, message) order, so a cursor holds both.
const recipientCursor = (key: RecipientKey) => encodeCursor(`${key.runId} ${key.id}`);

function decodeRecipientCursor(cursor: string | undefined, from: InputFrom): RecipientKey | undefined {
  const text = decodeCursor(cursor, "string", from);
  if (text === undefined) return undefined;
  const [runId, id, ...rest] = text.split(" ");
  if (!runId || !id || rest.length > 0) throw fieldError("cursor", "is not a cursor this API returned", from);
  return { runId, id };
}

const detailsDescription =
  "One row per recipient of the campaign's runs (or of `runId`'s): number, status (also as `action`), timestamps, WhatsApp's error code and reason, and why a recipient was skipped. `status` (comma-separated) and `errorCode` keep only the matching recipients. `format=csv` answers a CSV document with a header row; `json` (the default) an array. Without `limit` every recipient is returned, streamed as it is read; with `limit`, one page and the next page's cursor in `X-Next-Cursor`.";

const retrieveCampaign = retrieveRoutes(
  {
    path: "/retrieve/campaign",
    tags: TAGS,
    input: RetrieveCampaignInput,
    middleware: managerOnly,
    get: { summary: "Retrieve a campaign's per-recipient details", description: detailsDescription },
    post: {
      summary: "Retrieve a campaign's per-recipient details (POST)",
      description: `${detailsDescription} The same as the GET, with the parameters in a JSON body.`,
    },
    responses: {
      200: {
        description: "The recipients",
        headers: z.object({
          "X-Next-Cursor": z.string().optional().openapi({ description: "With `limit`: the cursor of the next page" }),
        }),
        content: {
          "application/json": { schema: z.array(RecipientSchema) },
          "text/csv": { schema: z.string().openapi({ example: `${RECIPIENT_COLUMNS.join(",")}\r\n` }) },
        },
      },
      ...errorResponses(400, 401, 403, 404),
    },
  },
  async (c, input, from) => {
    const { db, log } = c.var;
    const { projectId } = c.var.principal;
    const after = decodeRecipientCursor(input.cursor, from);
    // Only broadcast campaigns have runs and recipients here; an API campaign's id is not found.
    const campaign = await loadBroadcastCampaign(db, projectId, input.campaignId);
    if (!campaign) throw notFound("campaign");
    if (input.runId !== undefined) {
      const run = await getRun(db, projectId, input.runId);
      if (!run || run.campaignId !== campaign.id) throw notFound("run");
    }
    const scope = {
      projectId,
      campaignId: campaign.id,
      runId: input.runId,
      filter: { statuses: input.status, errorCode: input.errorCode },
    };
    const format = input.format ?? "json";
    const type = format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8";
    const filename = `${campaign.id}${input.runId ? `-${input.runId}` : ""}.csv`;
    const headers: Record<string, string> = { "Content-Type": type };
    if (format === "csv") headers["Content-Disposition"] = `attachment; filename="${filename}"`;

    if (input.limit === undefined) {
      const stream = streamRecipients(
        db,
        scope,
        format,
        (err) => log.error("campaign details stream failed", { campaignId: campaign.id, err }),
        c.env.FILES,
        c.env,
      );
      return c.body(stream, 200, headers);
    }
    // One page: small enough to build in memory, and its cursor must go out in a header.
    const archive = new ArchiveScanner(c.env.FILES);
    const page = await recipientsPage(db, scope, after, input.limit + 1, archive, c.env).finally(() => archive.close());
    const recipients = page.recipients.slice(0, input.limit);
    const last = recipients.at(-1);
    if (page.recipients.length > input.limit && last) {
      headers["X-Next-Cursor"] = recipientCursor({ runId: last.runId, id: last.messageId });
    }
    const text = format === "csv" ? csvHeader() + recipients.map(csvRecipient).join("") : JSON.stringify(recipients);
    return c.body(text, 200, headers);
  },
);

export const broadcastCampaignRoutes = router()
  .openapi(create, async (c) => {
    const body = c.req.valid("json");
    if (body.campaignId !== undefined && body.title === undefined) return runCampaignRequest(c, body);
    const { campaign, run } = await createBroadcastCampaign(
      { env: c.env, db: c.var.db, config: c.var.config, log: c.var.log, origin: new URL(c.req.url).origin },
      c.var.principal.projectId,
      body,
    );
    const view = toCampaign(campaign, run ? [run] : [], null);
    return c.json({ status: "success" as const, campaign: view, run: view.runs[0] ?? null }, 201);
  })
  .route("/", retrieveCampaigns)
  .route("/", retrieveCampaign);
