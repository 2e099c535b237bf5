import { z } from "@hono/zod-openapi";
import { iso } from "../../platform/time";
import type { StoredAccountState, StoredNumberState } from "./state";

// How the operator's WhatsApp account answer shows what Meta said about the number and the account.

export const NumberStateSchema = z
  .object({
    displayPhoneNumber: z.string().nullable().openapi({ example: "15550783881" }),
    event: z.string().nullable().openapi({
      description: "Meta's last quality event: FLAGGED, UNFLAGGED, UPGRADE, DOWNGRADE, ONBOARDING, …",
      example: "UPGRADE",
    }),
    messagingLimit: z.string().nullable().openapi({
      description: "Unique recipients per 24 hours: TIER_250, TIER_2K, TIER_10K, TIER_100K or TIER_UNLIMITED",
      example: "TIER_10K",
    }),
    previousMessagingLimit: z.string().nullable().openapi({ example: "TIER_2K" }),
    businessMessagingLimit: z.string().nullable().openapi({
      description: "Meta's `max_daily_conversations_per_business`: the limit of the whole business portfolio",
    }),
    updatedAt: z.iso.datetime(),
  })
  .openapi("WhatsAppNumberState", { description: "From Meta's `phone_number_quality_update` webhook" });

export const AccountStateSchema = z
  .object({
    event: z.string().nullable().openapi({ example: "ACCOUNT_RESTRICTION" }),
    restrictions: z.array(
      z.object({
        type: z.string().openapi({ example: "RESTRICTED_BIZ_INITIATED_MESSAGING" }),
        expiresAt: z.iso.datetime().nullable(),
      }),
    ),
    ban: z
      .object({
        state: z.string().openapi({ description: "DISABLE, REINSTATE or SCHEDULE_FOR_DISABLE" }),
        date: z.string().nullable(),
      })
      .nullable(),
    violation: z.object({ type: z.string().openapi({ example: "SCAM" }) }).nullable(),
    deleted: z.boolean(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("WhatsAppAccountState", { description: "From Meta's `account_update` webhook" });

export const HoldSchema = z
  .object({
    reason: z.string().openapi({
      example: "WhatsApp restricted business-initiated messaging on this account until 2026-04-19T13:59:20.000Z",
    }),
    until: z.iso.datetime().nullable().openapi({ description: "When it lifts by itself; null: when Meta lifts it" }),
  })
  .openapi("WhatsAppAccountHold", {
    description: "The project's campaigns and runs are paused with this reason, and resume when it lifts",
  });

/** The account answer's extra fields, each present once Meta has said something. */
export function accountStateView(row: {
  numberState: unknown;
  accountState: unknown;
  holdReason: string | null;
  holdUntil: number | null;
}) {
  const number = row.numberState as StoredNumberState | null;
  const account = row.accountState as StoredAccountState | null;
  return {
    // The column also holds the throughput level read from Meta (./throughput.ts), with or without a
    // quality webhook: the quality part is there once `at` is.
    ...(number && typeof number.at === "number"
      ? {
          numberState: {
            displayPhoneNumber: number.displayPhoneNumber,
            event: number.event,
            messagingLimit: number.currentLimit,
            previousMessagingLimit: number.previousLimit,
            businessMessagingLimit: number.businessLimit,
            updatedAt: iso(number.at),
          },
        }
      : {}),
    ...(account
      ? {
          accountState: {
            event: account.event,
            restrictions: account.restrictions.map((r) => ({
              type: r.type,
              expiresAt: r.expiresAt === null ? null : iso(r.expiresAt),
            })),
            ban: account.ban,
            violation: account.violation,
            deleted: account.deleted,
            updatedAt: iso(account.at),
          },
        }
      : {}),
    ...(row.holdReason
      ? { hold: { reason: row.holdReason, until: row.holdUntil === null ? null : iso(row.holdUntil) } }
      : {}),
  };
}
