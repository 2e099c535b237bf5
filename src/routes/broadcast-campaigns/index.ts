import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { requireApiKey, requireRole } from "../../auth/api-key";
import { loadBroadcastCampaign } from "../../broadcast/campaign";
import { createBroadcastCampaign } from "../../broadcast/create";
import {
  csvHeader,
  csvRecipient,
  RECIPIENT_COLUMNS,
  type RecipientKey,
  RecipientSchema,
  recipientsPage,
  streamRecipients,
} from "../../broadcast/recipients";
import {
  CreateCampaignBody,
  CreateCampaignResponse,
  RetrieveCampaignInput,
  RetrieveCampaignsInput,
  RetrieveCampaignsResponse,
  TAGS,
} from "../../broadcast/schemas";
import { campaignViews, toCampaign } from "../../broadcast/view";
import { listBroadcastCampaigns } from "../../campaigns/broadcast-store";
import { type AppEnv, router } from "../../http/context";
import { emptyBodyAsObject } from "../../http/empty-body";
import { ApiKeySecurity, errorResponses, jsonBody, jsonContent } from "../../http/openapi";
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor } from "../../http/pagination";
import { fieldError, fromZodError, notFound } from "../../lib/errors";
import { getRun } from "../../runs/store";
import { RunCampaignResponses, runCampaignRequest } from "./run-request";

const managerOnly = [requireApiKey, requireRole("manager")];

const optionalJsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: false },
});

const create = createRoute({
  method: "post",
  path: "/create/campaign",
  tags: TAGS,
  summary: "Create a broadcast campaign",
  description:
    "Turns the message into a WhatsApp template (`{group.field}` variables become `{{1}}`, `{{2}}`… in order of first appearance; `imgUrl` an image header; input and journey buttons quick replies, phone and url buttons call-to-action buttons) and submits it for review. With `runImmediately` (and `audiences`) a run starts at once, or at `timeToRun`; otherwise only the template is created, for a later `POST /v1/run/campaign`. A body with `campaignId` and no `title` is a run request, answered as `POST /v1/run/campaign` answers it.",
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

const retrieveCampaignsGet = createRoute({
  method: "get",
  path: "/retrieve/campaigns",
  tags: TAGS,
  summary: "Retrieve campaigns",
  description: retrieveCampaignsDescription,
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { query: RetrieveCampaignsInput },
  responses: {
    200: jsonContent(RetrieveCampaignsResponse, "A page of campaigns"),
    ...errorResponses(400, 401, 403),
  },
});

const retrieveCampaignsPost = createRoute({
  ...retrieveCampaignsGet,
  method: "post",
  summary: "Retrieve campaigns (POST)",
  description: `${retrieveCampaignsDescription} The same as the GET, with the parameters in a JSON body.`,
  middleware: [...managerOnly, emptyBodyAsObject],
  request: optionalJsonBody(RetrieveCampaignsInput),
  responses: { ...retrieveCampaignsGet.responses, ...errorResponses(413) },
});

const detailsDescription =
  "One row per recipient of the campaign's runs (or of `runId`'s): number, status (also as `action`), timestamps, WhatsApp's error code and reason, and why a recipient was skipped. `format=csv` answers a CSV document with a header row; `json` (the default) an array. Without `limit` every recipient is returned, streamed as it is read; with `limit`, one page and the next page's cursor in `X-Next-Cursor`.";

const detailsResponses = {
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
};

const retrieveCampaignGet = createRoute({
  method: "get",
  path: "/retrieve/campaign",
  tags: TAGS,
  summary: "Retrieve a campaign's per-recipient details",
  description: detailsDescription,
  security: ApiKeySecurity,
  middleware: managerOnly,
  request: { query: RetrieveCampaignInput },
  responses: detailsResponses,
});

const retrieveCampaignPost = createRoute({
  ...retrieveCampaignGet,
  method: "post",
  summary: "Retrieve a campaign's per-recipient details (POST)",
  description: `${detailsDescription} The same as the GET, with the parameters in a JSON body.`,
  middleware: [...managerOnly, emptyBodyAsObject],
  request: optionalJsonBody(RetrieveCampaignInput),
  responses: { ...detailsResponses, ...errorResponses(413) },
});

type RetrieveCampaigns = z.infer<typeof RetrieveCampaignsInput>;
type RetrieveCampaign = z.infer<typeof RetrieveCampaignInput>;
type Where = "query" | "body";

const badCursor = (where: Where) => fieldError("cursor", "is not a cursor this API returned", where);

// Recipients are read in (run, message) order, so a cursor holds both.
const recipientCursor = (key: RecipientKey) => encodeCursor(`${key.runId} ${key.id}`);

function decodeRecipientCursor(cursor: string | undefined, where: Where): RecipientKey | undefined {
  if (cursor === undefined) return undefined;
  let text: string | undefined;
  try {
    text = decodeCursor(cursor, "string");
  } catch {
    throw badCursor(where);
  }
  const [runId, id, ...rest] = (text ?? "").split(" ");
  if (!runId || !id || rest.length > 0) throw badCursor(where);
  return { runId, id };
}

async function retrieveCampaigns(c: Context<AppEnv>, input: RetrieveCampaigns, where: Where) {
  const { projectId } = c.var.principal;
  const limit = input.limit ?? DEFAULT_PAGE_SIZE;
  let afterId: string | undefined;
  try {
    afterId = decodeCursor(input.cursor, "string");
  } catch {
    throw badCursor(where);
  }
  const rows = await listBroadcastCampaigns(c.var.db, projectId, { active: input.active }, afterId, limit);
  const pageRows = rows.slice(0, limit);
  const campaigns = await campaignViews({ env: c.env, db: c.var.db }, projectId, pageRows);
  const last = pageRows.at(-1);
  return c.json(
    {
      status: "success" as const,
      campaigns,
      nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null,
    },
    200,
  );
}

async function retrieveCampaign(c: Context<AppEnv>, input: RetrieveCampaign, where: Where) {
  const { db, log } = c.var;
  const { projectId } = c.var.principal;
  const after = decodeRecipientCursor(input.cursor, where);
  // Only broadcast campaigns have runs and recipients here; an API campaign's id is not found.
  const campaign = await loadBroadcastCampaign(db, projectId, input.campaignId);
  if (!campaign) throw notFound("campaign");
  if (input.runId !== undefined) {
    const run = await getRun(db, projectId, input.runId);
    if (!run || run.campaignId !== campaign.id) throw notFound("run");
  }
  const scope = { projectId, campaignId: campaign.id, runId: input.runId };
  const format = input.format ?? "json";
  const type = format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8";
  const filename = `${campaign.id}${input.runId ? `-${input.runId}` : ""}.csv`;
  const headers: Record<string, string> = { "Content-Type": type };
  if (format === "csv") headers["Content-Disposition"] = `attachment; filename="${filename}"`;

  if (input.limit === undefined) {
    const stream = streamRecipients(db, scope, format, (err) =>
      log.error("campaign details stream failed", { campaignId: campaign.id, err }),
    );
    return c.body(stream, 200, headers);
  }
  // One page: small enough to build in memory, and its cursor must go out in a header.
  const page = await recipientsPage(db, scope, after, input.limit + 1);
  const recipients = page.recipients.slice(0, input.limit);
  const last = recipients.at(-1);
  if (page.recipients.length > input.limit && last) {
    headers["X-Next-Cursor"] = recipientCursor({ runId: last.runId, id: last.messageId });
  }
  const text = format === "csv" ? csvHeader() + recipients.map(csvRecipient).join("") : JSON.stringify(recipients);
  return c.body(text, 200, headers);
}

export const broadcastCampaignRoutes = router()
  .openapi(create, async (c) => {
    const body = c.req.valid("json");
    if (body.campaignId !== undefined && body.title === undefined) return runCampaignRequest(c, body);
    const { campaign, run } = await createBroadcastCampaign(
      { env: c.env, db: c.var.db, config: c.var.config, log: c.var.log },
      c.var.principal.projectId,
      body,
    );
    const view = toCampaign(campaign, run ? [run] : [], null);
    return c.json({ status: "success" as const, campaign: view, run: view.runs[0] ?? null }, 201);
  })
  .openapi(retrieveCampaignsGet, (c) => retrieveCampaigns(c, c.req.valid("query"), "query"))
  .openapi(retrieveCampaignsPost, (c) =>
    retrieveCampaigns(c, parseBody(RetrieveCampaignsInput, c.req.valid("json")), "body"),
  )
  .openapi(retrieveCampaignGet, (c) => retrieveCampaign(c, c.req.valid("query"), "query"))
  .openapi(retrieveCampaignPost, (c) =>
    retrieveCampaign(c, parseBody(RetrieveCampaignInput, c.req.valid("json")), "body"),
  );

// An optional JSON body that was left out reaches the handler as a bare `{}` that skipped
// validation; parsing again gives both cases the same checked shape.
function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw fromZodError(result.error, "json");
  return result.data;
}
