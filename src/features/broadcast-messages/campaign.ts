import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { campaigns, templates } from "../../platform/db/schema";
import type { ButtonParameter, TemplateCategory, TemplateMessage, TemplateStatus } from "../../whatsapp/provider";
import { BAD_PARAM_TEXT } from "../templates/send-rules";
import type { BroadcastButton } from "./buttons";
import { buttonPayload } from "./payload";
import { splitRefKey, urlPlaceholder } from "./placeholders";

export type { BroadcastButton } from "./buttons";

/** A broadcast campaign with what a run needs of its template. */
export interface BroadcastCampaign {
  id: string;
  projectId: string;
  title: string;
  templateId: string | null;
  /** null when the template has been deleted since the campaign was created. */
  templateName: string | null;
  language: string;
  category: TemplateCategory;
  /** null when the template has been deleted since the campaign was created. */
  templateStatus: TemplateStatus | null;
  /** As written, with `{group.field}` placeholders. */
  message: string;
  /** "group.field" of each body parameter, in order. */
  variables: string[];
  /** The body parameters' names when the template is NAMED (each of `variables`'), else null. */
  bodyNames: string[] | null;
  imgUrl: string | null;
  /** A media library file as the image (instead of imgUrl). */
  imgMedia: string | null;
  /** WhatsApp's id of imgMedia's upload, set by the fan-out before it builds messages. */
  imgWhatsAppId?: string;
  buttons: BroadcastButton[];
  /** Its url buttons lead through GET /l/{token}, which counts the clicks (./links.ts). */
  trackClicks: boolean;
  /** Unix milliseconds. */
  createdAt: number;
}

// The template's columns carry aliases: drizzle reads batch rows by position and D1 keys them by
// column name, so an unaliased templates.id would collide with campaigns.id.
const columns = {
  id: campaigns.id,
  projectId: campaigns.projectId,
  title: campaigns.name,
  templateId: campaigns.templateId,
  language: campaigns.language,
  category: campaigns.category,
  message: campaigns.message,
  variables: campaigns.variables,
  imgUrl: campaigns.imgUrl,
  imgMedia: campaigns.imgMedia,
  buttons: campaigns.buttons,
  trackClicks: campaigns.trackClicks,
  createdAt: campaigns.createdAt,
  tName: sql<string | null>`${templates.name}`.as("t_name"),
  tLanguage: sql<string | null>`${templates.language}`.as("t_language"),
  tStatus: sql<TemplateStatus | null>`${templates.status}`.as("t_status"),
  tNames: sql<string | null>`${templates.params} ->> '$.names.body'`.as("t_names"),
};

/** The campaign rows joined with their template, for one project's broadcast campaigns. */
export function selectBroadcastCampaigns(db: Db) {
  return db
    .select(columns)
    .from(campaigns)
    .leftJoin(templates, and(eq(templates.id, campaigns.templateId), eq(templates.projectId, campaigns.projectId)));
}

export type BroadcastCampaignRow = Awaited<ReturnType<ReturnType<typeof selectBroadcastCampaigns>["all"]>>[number];

export function toBroadcastCampaign(row: BroadcastCampaignRow): BroadcastCampaign {
  return {
    id: row.id,
    projectId: row.projectId,
    title: row.title,
    templateId: row.templateId,
    templateName: row.tName,
    language: row.tLanguage ?? row.language ?? "en_US",
    category: (row.category ?? "MARKETING") as TemplateCategory,
    templateStatus: row.tStatus,
    message: row.message ?? "",
    variables: (row.variables as string[] | null) ?? [],
    bodyNames: row.tNames ? (JSON.parse(row.tNames) as string[]) : null,
    imgUrl: row.imgUrl,
    imgMedia: row.imgMedia,
    buttons: (row.buttons as BroadcastButton[] | null) ?? [],
    trackClicks: row.trackClicks,
    createdAt: row.createdAt,
  };
}

export const isBroadcast = (projectId: string) =>
  and(eq(campaigns.projectId, projectId), eq(campaigns.kind, "broadcast"));

/** The project's broadcast campaign with this id, or null (another project's id is null too). */
export async function loadBroadcastCampaign(
  db: Db,
  projectId: string,
  campaignId: string,
): Promise<BroadcastCampaign | null> {
  const row = await selectBroadcastCampaigns(db)
    .where(and(isBroadcast(projectId), eq(campaigns.id, campaignId)))
    .get();
  return row ? toBroadcastCampaign(row) : null;
}

/** Distinct variable groups (by the name or id written in the message) the campaign reads from. */
export function groupRefsOf(campaign: Pick<BroadcastCampaign, "variables" | "buttons">): string[] {
  const refs = new Set(campaign.variables.map((key) => splitRefKey(key).group));
  for (const button of campaign.buttons) {
    if (button.type !== "url") continue;
    const variable = urlPlaceholder(button.url).variable;
    if (variable) refs.add(splitRefKey(variable).group);
  }
  return [...refs];
}

const sendable = (value: string | undefined): value is string =>
  value !== undefined && value.trim().length > 0 && !BAD_PARAM_TEXT.test(value);

export type RecipientMessage = { ok: true; message: TemplateMessage } | { ok: false; reason: string };

/**
 * The template message for one recipient: body parameters in `variables` order, the image header,
 * a payload on each quick reply naming the campaign and button, each url button's suffix and the
 * campaign's coupon.
 * A value that is missing, empty, or that WhatsApp would refuse as a parameter (new lines, tabs,
 * five spaces in a row) skips the recipient with `missing_variable:<group>.<field>`.
 */
export function recipientMessage(
  campaign: BroadcastCampaign,
  number: string,
  lookup: (ref: string) => string | undefined,
): RecipientMessage {
  if (campaign.templateName === null) return { ok: false, reason: "template_deleted" };
  const body: string[] = [];
  for (const ref of campaign.variables) {
    const value = lookup(ref);
    if (!sendable(value)) return { ok: false, reason: `missing_variable:${ref}` };
    body.push(value);
  }
  const buttons: ButtonParameter[] = [];
  for (const [index, button] of campaign.buttons.entries()) {
    if (button.type === "input" || button.type === "journey") {
      buttons.push({ index, subType: "quick_reply", payload: buttonPayload({ campaignId: campaign.id, index }) });
    } else if (button.type === "copy_code") {
      buttons.push({ index, subType: "copy_code", couponCode: button.code });
    } else if (button.type === "url") {
      const variable = urlPlaceholder(button.url).variable;
      if (!variable) continue;
      const value = lookup(variable);
      if (!sendable(value) || /\s/.test(value)) return { ok: false, reason: `missing_variable:${variable}` };
      buttons.push({ index, subType: "url", text: value });
    }
  }
  const message: TemplateMessage = {
    to: number,
    template: { name: campaign.templateName, language: campaign.language, category: campaign.category },
    body,
    ...(campaign.bodyNames && body.length > 0 ? { names: { body: campaign.bodyNames } } : {}),
    ...(campaign.imgWhatsAppId
      ? { header: { type: "image", id: campaign.imgWhatsAppId } }
      : campaign.imgUrl
        ? { header: { type: "image", link: campaign.imgUrl } }
        : {}),
    ...(buttons.length > 0 ? { buttons } : {}),
  };
  return { ok: true, message };
}
