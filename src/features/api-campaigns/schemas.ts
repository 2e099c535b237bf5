import { z } from "@hono/zod-openapi";
import { iso } from "../../platform/time";
import { TEMPLATE_CATEGORIES, TEMPLATE_STATUSES } from "../../whatsapp/provider";
import { TemplateParamsSchema } from "../templates/schemas";
import { type ApiCampaignWithTemplate, CAMPAIGN_STATUSES } from "./store";

export const MAX_CAMPAIGN_NAME = 100;

const CampaignName = z
  .string()
  .trim()
  .min(1)
  .max(MAX_CAMPAIGN_NAME)
  .openapi({
    description: `1–${MAX_CAMPAIGN_NAME} characters, unique in the project; leading and trailing spaces are removed. Sends name the campaign by it (\`campaignName\`).`,
    example: "order_shipped_notification",
  });

const TemplateIdField = z.string().min(1).max(64).openapi({
  description: "A template of this project whose status is `APPROVED`",
  example: "tpl_0192f3c4a1b2c3d4e5f6a7b8",
});

const StatusField = z.enum(CAMPAIGN_STATUSES).openapi({ description: "`live` campaigns send; `paused` ones refuse" });

export const CreateApiCampaignBody = z
  .object({
    name: CampaignName,
    templateId: TemplateIdField,
    status: StatusField.default("live"),
  })
  .openapi("CreateApiCampaign");

export const UpdateApiCampaignBody = z
  .object({
    name: CampaignName.optional(),
    templateId: TemplateIdField.optional(),
    status: StatusField.optional(),
  })
  .refine((body) => body.name !== undefined || body.templateId !== undefined || body.status !== undefined, {
    message: "give at least one of name, templateId, status",
  })
  .openapi("UpdateApiCampaign");

export const ApiCampaignListQuery = z.object({
  status: z.enum(CAMPAIGN_STATUSES).optional().openapi({ description: "Only campaigns with this status" }),
});

export const ApiCampaignIdParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "cmp_0192f3c4a1b2c3d4e5f6a7b8" }),
});

export const ApiCampaignTemplateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    language: z.string(),
    category: z.enum(TEMPLATE_CATEGORIES),
    status: z.enum(TEMPLATE_STATUSES),
    params: TemplateParamsSchema,
  })
  .openapi("ApiCampaignTemplate");

export const ApiCampaignSchema = z
  .object({
    id: z.string().openapi({ example: "cmp_0192f3c4a1b2c3d4e5f6a7b8" }),
    name: z.string(),
    status: z.enum(CAMPAIGN_STATUSES),
    pausedReason: z.string().nullable().openapi({
      description:
        "Why the service paused the campaign (an account-level error from WhatsApp, its template paused or disabled by WhatsApp, or its WhatsApp account restricted); null otherwise",
    }),
    template: z.union([ApiCampaignTemplateSchema, z.null()]).openapi({
      description: "The template the campaign sends; null if the template has been deleted since",
    }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("ApiCampaign");

export type ApiCampaign = z.infer<typeof ApiCampaignSchema>;

/** The API's view of a campaign, parsed through the response schema so that no internal column leaks. */
export function toApiCampaign(campaign: ApiCampaignWithTemplate): ApiCampaign {
  return ApiCampaignSchema.parse({
    id: campaign.id,
    name: campaign.name,
    status: campaign.status,
    pausedReason: campaign.pausedReason,
    template: campaign.template,
    createdAt: iso(campaign.createdAt),
    updatedAt: iso(campaign.updatedAt),
  });
}
