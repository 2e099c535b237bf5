import { z } from "@hono/zod-openapi";
import { iso } from "../../platform/time";

// What Meta's webhooks say about a template besides its review (stored as JSON on the row), and
// how the API shows it. Kept apart from schemas.ts so that the webhook handlers and the response
// schema read one definition.

export const QUALITY_SCORES = ["GREEN", "YELLOW", "RED", "UNKNOWN"] as const;
export type QualityScore = (typeof QUALITY_SCORES)[number];

/** `message_template_quality_update`, as stored. Times are Unix milliseconds. */
export interface StoredQuality {
  score: string;
  previous: string | null;
  at: number;
}

/** `rejection_info` of a REJECTED `message_template_status_update`. */
export interface StoredRejectionInfo {
  reason: string | null;
  recommendation: string | null;
}

/** The last `message_template_status_update`, whatever its event (FLAGGED and LOCKED change no status). */
export interface StoredStatusEvent {
  event: string;
  reason: string | null;
  /** `disable_info.disable_date`: when Meta disables a flagged template unless its quality recovers. */
  disableDate: string | null;
  /** `other_info` of LOCKED / UNLOCKED. */
  title: string | null;
  description: string | null;
  at: number;
}

/**
 * `template_category_update`: a change done (`previous_category` → `new_category`), or announced
 * (Meta's `correct_category`, applied at `category_update_timestamp`).
 */
export interface StoredCategoryChange {
  state: "changed" | "upcoming";
  from: string;
  to: string;
  /** When Meta changed it, or will. */
  effectiveAt: number | null;
  /** Campaigns sending this template when the change was recorded: their messages follow the new category. */
  campaigns: number;
  at: number;
}

export const TemplateQualitySchema = z
  .object({
    score: z.string().openapi({ description: "GREEN (high), YELLOW (medium), RED (low) or UNKNOWN (pending)" }),
    previousScore: z.string().nullable(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("TemplateQuality", { description: "Meta's quality score for the template, from its webhook" });

export const RejectionInfoSchema = z
  .object({
    reason: z.string().nullable().openapi({ example: "The template has too many variables for its length." }),
    recommendation: z.string().nullable().openapi({ example: "Add more text or reduce the variables." }),
  })
  .openapi("TemplateRejectionInfo", { description: "Meta's detail of a rejection (sent with INVALID_FORMAT)" });

export const StatusEventSchema = z
  .object({
    event: z.string().openapi({ description: "Meta's event: APPROVED, PAUSED, FLAGGED, REINSTATED, …" }),
    reason: z.string().nullable(),
    disableDate: z.string().nullable().openapi({ description: "For FLAGGED: when Meta will disable the template" }),
    title: z.string().nullable(),
    description: z.string().nullable(),
    receivedAt: z.iso.datetime(),
  })
  .openapi("TemplateStatusEvent", { description: "The last status event Meta sent for the template" });

export const CategoryChangeSchema = z
  .object({
    state: z.enum(["changed", "upcoming"]).openapi({
      description: "`changed`: Meta re-categorised the template; `upcoming`: Meta announced it will on `effectiveAt`",
    }),
    from: z.string().openapi({ example: "UTILITY" }),
    to: z.string().openapi({ example: "MARKETING" }),
    effectiveAt: z.iso.datetime().nullable(),
    campaigns: z.number().int().openapi({ description: "Campaigns sending this template when Meta said so" }),
    receivedAt: z.iso.datetime(),
  })
  .openapi("TemplateCategoryChange");

const isoOrNull = (ms: number | null | undefined) => (typeof ms === "number" && Number.isFinite(ms) ? iso(ms) : null);

/** The four response fields, from the row's JSON columns (null when Meta has said nothing). */
export function metaStateView(row: {
  quality: unknown;
  rejectionInfo: unknown;
  statusEvent: unknown;
  categoryChange: unknown;
}) {
  const quality = row.quality as StoredQuality | null;
  const event = row.statusEvent as StoredStatusEvent | null;
  const change = row.categoryChange as StoredCategoryChange | null;
  const rejection = row.rejectionInfo as StoredRejectionInfo | null;
  return {
    quality: quality ? { score: quality.score, previousScore: quality.previous, updatedAt: iso(quality.at) } : null,
    rejectionInfo: rejection ? { reason: rejection.reason, recommendation: rejection.recommendation } : null,
    statusEvent: event
      ? {
          event: event.event,
          reason: event.reason,
          disableDate: event.disableDate,
          title: event.title,
          description: event.description,
          receivedAt: iso(event.at),
        }
      : null,
    categoryChange: change
      ? {
          state: change.state,
          from: change.from,
          to: change.to,
          effectiveAt: isoOrNull(change.effectiveAt),
          campaigns: change.campaigns,
          receivedAt: iso(change.at),
        }
      : null,
  };
}
