import { z } from "@hono/zod-openapi";

export const LinkButtonClicksSchema = z
  .object({
    index: z.number().int().openapi({ description: "The button's index in the campaign's `buttons`", example: 0 }),
    text: z.string().openapi({ example: "Pay now" }),
    url: z.string().openapi({
      description: "The button's url, as the campaign was given it",
      example: "https://pay.example.com/{payments.link_id}",
    }),
    clicks: z.number().int().openapi({ description: "Every click, repeats included", example: 42 }),
    people: z.number().int().openapi({ description: "Recipients who clicked at least once", example: 31 }),
  })
  .openapi("LinkButtonClicks");

const fields = {
  status: z.literal("success"),
  campaignId: z.string().openapi({ example: "cmp_0192f3c4a1b2c3d4e5f6a7b8" }),
  trackClicks: z.boolean().openapi({ description: "False: the campaign's links are not tracked, and count nothing" }),
  buttons: z.array(LinkButtonClicksSchema).openapi({ description: "Each url button of the campaign, in order" }),
};

export const CampaignLinkClicksResponse = z.object(fields).openapi("CampaignLinkClicks");

export const RunLinkClicksResponse = z
  .object({ ...fields, runId: z.string().openapi({ example: "run_0192f3c4a1b2c3d4e5f6a7b8" }) })
  .openapi("RunLinkClicks");
