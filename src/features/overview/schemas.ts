import { z } from "@hono/zod-openapi";

// The dashboard's overview of a project: what it sent since the start of the viewer's day, its
// number as Meta last described it, and its latest campaigns. One call, one D1 batch.

/** How far back `since` may reach: a local midnight is at most about 26 hours ago in any time zone. */
export const MAX_SINCE_MS = 48 * 60 * 60_000;

export const OverviewQuery = z.object({
  since: z.iso.datetime({ offset: true }).optional().openapi({
    description:
      "Where the day starts (ISO 8601): the dashboard sends the viewer's local midnight; default: midnight UTC. At most 48 hours ago, not in the future",
    example: "2026-03-02T00:00:00+05:30",
  }),
});

const count = (description: string, example: number) => z.number().int().openapi({ description, example });
const rate = (description: string) =>
  z
    .number()
    .nullable()
    .openapi({ description: `${description}, 0 to 1; null when there is nothing to divide by` });

export const TodaySchema = z
  .object({
    since: z.iso.datetime(),
    accepted: count("Messages accepted since `since`: runs' and API campaigns' messages created in the period", 1200),
    sent: count("Of those, handed to WhatsApp", 1180),
    delivered: count("Of those, delivered to the phone", 1102),
    read: count("Of those, read (only where read receipts are on)", 640),
    failed: count("Of those, failed (send or delivery errors, Meta's holds)", 14),
    pending: count("Of those, still queued or being sent", 6),
    deliveryRate: rate("delivered / sent"),
    readRate: rate("read / delivered"),
  })
  .openapi("OverviewToday");

export const NumberSchema = z
  .object({
    provider: z.enum(["meta", "sandbox"]),
    phoneNumberId: z.string(),
    displayPhoneNumber: z.string().nullable().openapi({ example: "15550783881" }),
    quality: z
      .object({
        event: z.string().nullable().openapi({
          description:
            "Meta's last quality event for the number: FLAGGED, UNFLAGGED, UPGRADE, DOWNGRADE, ONBOARDING, …",
          example: "FLAGGED",
        }),
        updatedAt: z.iso.datetime(),
      })
      .nullable()
      .openapi({ description: "From Meta's `phone_number_quality_update` webhook; null until Meta has sent one" }),
    throughput: z.number().int().openapi({ description: "The send cap in force, messages per second", example: 80 }),
    hold: z
      .object({ reason: z.string(), until: z.iso.datetime().nullable() })
      .nullable()
      .openapi({ description: "Why the project's campaigns are held by Meta's account state, and until when" }),
  })
  .nullable()
  .openapi("OverviewNumber", {
    description: "The project's WhatsApp number; null when none is connected (the deployment's default provider)",
  });

export const RecentCampaignSchema = z
  .object({
    id: z.string().openapi({ example: "cmp_01a1fc2b3c4d5e6f7a8b9c0d" }),
    kind: z.enum(["api", "broadcast"]),
    name: z.string(),
    status: z.enum(["live", "paused"]),
    createdAt: z.iso.datetime(),
  })
  .openapi("OverviewCampaign");

export const OverviewSchema = z
  .object({
    today: TodaySchema,
    number: NumberSchema,
    recentCampaigns: z.array(RecentCampaignSchema).openapi({ description: "The 5 newest campaigns of both kinds" }),
  })
  .openapi("ProjectOverview");
