import { z } from "@hono/zod-openapi";
import { DEFAULT_PAGE_SIZE } from "../../platform/http/pagination";
import { TEMPLATE_CATEGORIES, TEMPLATE_STATUSES } from "../../whatsapp/provider";
import { BUTTON_TYPES, ButtonInput } from "../broadcast-messages/buttons";
import { RunSchema } from "../runs/schemas";
import { ResultsSchema } from "../stats/results";
import { RECIPIENT_STATUSES, type RecipientStatus } from "./recipients";

export const TAGS = ["Broadcast campaigns"];

export const MAX_TITLE = 100;
export const MAX_MESSAGE = 1024;

// Booleans arrive as JSON booleans from the client library and as "true"/"false" from query strings
// and hand-written curl bodies; both mean the same.
export const Flag = z
  .union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")])
  .openapi({ type: "boolean" });

const TimeToRun = z.union([z.number(), z.string()]).openapi({
  description: "When to run: a Unix timestamp in seconds or milliseconds (below 1e12 is seconds), or an ISO 8601 time",
  example: 1767261600,
});

const TemplateType = z.string().openapi({ description: "`MARKETING` (default) or `UTILITY`", example: "MARKETING" });

/** The options object; each field is also accepted at the top level of the body. */
const optionFields = {
  runImmediately: Flag.optional().openapi({
    description: "Start a run now (needs `audiences`). Defaults to false: only the template is created.",
  }),
  audiences: z
    .array(z.string().min(1).max(100))
    .max(100)
    .optional()
    .openapi({ description: 'Audience ids or unique names, or `["all"]`', example: ["Frequent Shoppers"] }),
  languageCode: z.string().max(16).optional().openapi({
    description: "Meta's language code; defaults to `en_US`. The document's `enUS` is read as `en_US`.",
    example: "en_US",
  }),
  timeToRun: TimeToRun.optional(),
  whatsAppTemplateType: TemplateType.optional(),
};

export const CampaignOptions = z.object(optionFields).openapi("CampaignOptions");

export const CreateCampaignBody = z
  .object({
    title: z
      .string()
      .optional()
      .openapi({
        description: `1–${MAX_TITLE} characters, unique among the project's broadcast campaigns. Required, unless the body is a run request (\`campaignId\` without \`title\`).`,
        example: "My Marketing Campaign",
      }),
    message: z
      .string()
      .optional()
      .openapi({
        description: `1–${MAX_MESSAGE} characters; \`{group.field}\` inserts a variable group's value for each recipient`,
        example: "Hello {users.first_name}, your exclusive offer is waiting.",
      }),
    imgUrl: z
      .string()
      .nullish()
      .openapi({ description: "An https URL of a JPEG or PNG (at most 5 MB): the template's image header" }),
    imgMedia: z.string().max(64).nullish().openapi({
      description:
        "Instead of `imgUrl`: an image of the project's media library (`POST /v1/media`), sent by the id WhatsApp gave its upload",
      example: "med_0197a3c2e4f1a1b2c3d4e5f6",
    }),
    buttons: z.array(ButtonInput).optional(),
    templateType: TemplateType.optional(),
    options: CampaignOptions.optional(),
    ...optionFields,
    messageSendTtlSeconds: z.number().optional().openapi({
      description:
        "The message validity period of the campaign's template: how long WhatsApp keeps trying to deliver each message. MARKETING: 43200–2592000 (12 hours to 30 days), honoured when the account sends through the Marketing Messages API; UTILITY: 30–43200 or -1 (30 days). Omitted: WhatsApp's default (30 days)",
      example: 86400,
    }),
    trackClicks: Flag.optional().openapi({
      description:
        "Count the clicks on the url buttons: each leads through this service's `/l/{token}`, which counts the click and redirects to the button's url (`GET /v1/campaigns/{campaignId}/link-clicks`). Needs a url button. Defaults to false: the buttons link straight to their urls.",
      example: true,
    }),
    campaignId: z.string().max(64).optional().openapi({
      description:
        "Only in a run request: the reference document's run example posts `{ campaignId }` to this path; it is handled as `POST /v1/run/campaign`",
    }),
    dryRun: Flag.optional().openapi({ description: "Only in a run request, as in `POST /v1/run/campaign`" }),
  })
  .openapi("CreateCampaign");

export type CreateCampaignInput = z.infer<typeof CreateCampaignBody>;

const StoredButton = z
  .object({
    text: z.string(),
    type: z.enum(BUTTON_TYPES),
    input: z.string().optional(),
    journeyId: z.string().optional(),
    phoneNumber: z.string().optional(),
    url: z.string().optional(),
    code: z.string().optional(),
  })
  .openapi("CampaignButton");

export const CampaignSchema = z
  .object({
    campaignId: z.string().openapi({ example: "cmp_0192f3c4a1b2c3d4e5f6a7b8" }),
    title: z.string(),
    message: z.string().openapi({ description: "As written, with its `{group.field}` variables" }),
    imgUrl: z.string().nullable(),
    imgMedia: z.string().nullable().openapi({ description: "The media library image it sends, if any" }),
    variables: z.array(z.string()).openapi({
      description: "The variables in template-parameter order (each named after its field in the template)",
      example: ["users.first_name"],
    }),
    buttons: z.array(StoredButton),
    trackClicks: z.boolean().openapi({
      description: "Whether its url buttons count clicks (through `/l/{token}`) before leading to their urls",
    }),
    locale: z.string().openapi({ example: "en_US" }),
    templateType: z.enum(TEMPLATE_CATEGORIES),
    templateId: z.string().nullable(),
    templateName: z.string().nullable().openapi({ description: "The WhatsApp template's name; null once deleted" }),
    whatsAppTemplatesStatus: z
      .enum(TEMPLATE_STATUSES)
      .nullable()
      .openapi({ description: "The template's review status at WhatsApp; null once the template is deleted" }),
    active: z.boolean().openapi({
      description: "True while a run can still send: scheduled, waiting_template, fanning_out, sending or paused",
    }),
    runs: z.array(RunSchema).openapi({ description: "Every run, oldest first" }),
    results: ResultsSchema.openapi({ description: "Summed over all runs" }),
    totalSent: z.number().int(),
    totalDelivered: z.number().int(),
    totalRead: z.number().int(),
    createdAt: z.string(),
  })
  .openapi("Campaign");

export type Campaign = z.infer<typeof CampaignSchema>;

export const CreateCampaignResponse = z
  .object({
    status: z.literal("success"),
    campaign: CampaignSchema,
    run: RunSchema.nullable().openapi({ description: "The run started or scheduled, if any" }),
  })
  .openapi("CreateCampaignResult");

const Limit = (max: number, fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(max)
    .openapi({ description: `Page size, 1–${max}${fallback ? `; default ${fallback}` : ""}` });

const Cursor = z.string().max(300).openapi({ description: "The cursor of the previous page" });

// Each campaign's results come from its own statistics object, one call per campaign: a page of
// 100 keeps a listing well within a Worker's subrequest budget.
export const MAX_CAMPAIGNS_PAGE = 100;

export const RetrieveCampaignsInput = z.object({
  active: Flag.optional().openapi({ description: "true: only active campaigns; false: only inactive ones" }),
  limit: Limit(MAX_CAMPAIGNS_PAGE, DEFAULT_PAGE_SIZE).optional(),
  cursor: Cursor.optional(),
});

export const RetrieveCampaignsResponse = z
  .object({
    status: z.literal("success"),
    campaigns: z.array(CampaignSchema),
    nextCursor: z.string().nullable(),
  })
  .openapi("CampaignList");

export const RetrieveCampaignInput = z.object({
  campaignId: z.string().min(1).max(64).openapi({ example: "cmp_0192f3c4a1b2c3d4e5f6a7b8" }),
  format: z.enum(["json", "csv"]).optional().openapi({ description: "Defaults to json" }),
  runId: z.string().min(1).max(64).optional().openapi({ description: "Only this run's recipients" }),
  // A comma-separated string (a query parameter) or, in a JSON body, a list too.
  status: z
    .union([z.string().max(100), z.array(z.string().max(20)).max(RECIPIENT_STATUSES.length)])
    .transform((value, ctx) => {
      const listed = typeof value === "string" ? value.split(",") : value;
      const statuses = [...new Set(listed.map((s) => s.trim()))];
      const unknown = statuses.filter((s) => !(RECIPIENT_STATUSES as readonly string[]).includes(s));
      if (unknown.length > 0) {
        ctx.addIssue({ code: "custom", message: `one or more of ${RECIPIENT_STATUSES.join(", ")}, comma-separated` });
        return z.NEVER;
      }
      return statuses as RecipientStatus[];
    })
    .optional()
    .openapi({
      type: "string",
      description: `Only recipients in these statuses, comma-separated (a JSON body may give a list): ${RECIPIENT_STATUSES.join(", ")}`,
      example: "failed,skipped",
    }),
  errorCode: z.coerce.number().int().min(0).optional().openapi({
    type: "integer",
    description: "Only recipients whose message failed with this WhatsApp error code",
    example: 131049,
  }),
  limit: Limit(500, 0).optional().openapi({
    description:
      "Page size, 1–500. Without it every recipient is returned (streamed); with it, `X-Next-Cursor` carries the next page's cursor",
  }),
  cursor: Cursor.optional(),
});
