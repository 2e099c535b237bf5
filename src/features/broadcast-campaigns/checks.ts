import { and, eq } from "drizzle-orm";
import type { Db } from "../../platform/db/client";
import { variableGroups } from "../../platform/db/schema";
import type { FieldError } from "../../platform/errors";
import { resolveAudiences } from "../audiences/members";
import { type CheckedButtons, checkButtons } from "../broadcast-messages/buttons";
import { type NumberedText, numberPlaceholders, splitRefKey } from "../broadcast-messages/placeholders";
import { journeysByIds } from "../journeys/store";
import { checkMediaUrl, kindOfType, type MediaCheckOptions } from "../media/check";
import { getMediaFile } from "../media/library-store";
import { toMillis } from "../runs/time";
import { templateIssues } from "../templates/definition-rules";
import { groupsByRef } from "../variable-groups/store";
import { type CreateCampaignInput, MAX_MESSAGE, MAX_TITLE } from "./schemas";
import { broadcastTitleTaken } from "./store";
import {
  BROADCAST_CATEGORIES,
  type BroadcastCategory,
  DEFAULT_LANGUAGE,
  isLanguage,
  normalizeLanguage,
} from "./template";

// The checks of a create-campaign request: first what the request says on its own, then what it
// refers to (variable groups, journeys, audiences, the image). Each problem is a field error, so a
// client learns all of them at once.

const MAX_IMAGE_URL = 2000;
const chars = (text: string) => [...text].length;

type OptionName = "runImmediately" | "audiences" | "languageCode" | "timeToRun" | "whatsAppTemplateType";

/** An option from `options`, else from the top level (the reference document shows both). */
function option<K extends OptionName>(input: CreateCampaignInput, name: K) {
  const nested = input.options?.[name];
  if (nested !== undefined) return { value: nested as NonNullable<CreateCampaignInput[K]>, field: `options.${name}` };
  const top = input[name];
  if (top !== undefined) return { value: top as NonNullable<CreateCampaignInput[K]>, field: name };
  return undefined;
}

/** Everything the request says, checked without touching the database. */
export interface Checked {
  title: string;
  message: string;
  numbered: NumberedText;
  imgUrl: string | null;
  /** A media library file (its id) as the image header, instead of imgUrl. */
  imgMedia: string | null;
  buttons: CheckedButtons;
  trackClicks: boolean;
  category: BroadcastCategory;
  language: string;
  run: { audiences: string[]; audiencesField: string; timeToRun: number | null } | null;
}

export function checkInput(input: CreateCampaignInput): { checked: Checked; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, in: "body", message });

  const title = input.title?.trim() ?? "";
  if (input.title === undefined) fail("title", "is required");
  else if (title.length === 0) fail("title", "must not be empty");
  else if (chars(title) > MAX_TITLE) fail("title", `must be at most ${MAX_TITLE} characters`);

  const message = input.message ?? "";
  if (input.message === undefined) fail("message", "is required");
  else if (message.trim().length === 0) fail("message", "must not be empty");
  else if (chars(message) > MAX_MESSAGE) {
    fail("message", `must be at most ${MAX_MESSAGE} characters (WhatsApp's limit for a template body)`);
  }
  const numbered = numberPlaceholders(message);
  for (const problem of numbered.problems) fail("message", problem);

  const imgUrl = input.imgUrl?.trim() || null;
  if (imgUrl !== null) {
    let https = false;
    try {
      https = new URL(imgUrl).protocol === "https:";
    } catch {
      // reported below
    }
    if (!https) fail("imgUrl", "must be an https:// URL of a JPEG or PNG image");
    else if (imgUrl.length > MAX_IMAGE_URL) fail("imgUrl", `must be at most ${MAX_IMAGE_URL} characters`);
  }

  const imgMedia = input.imgMedia?.trim() || null;
  if (imgMedia !== null && imgUrl !== null) fail("imgMedia", "give imgUrl or imgMedia, not both");

  const buttons = checkButtons(input.buttons ?? []);
  errors.push(...buttons.errors);
  const trackClicks = input.trackClicks ?? false;
  if (trackClicks && !buttons.buttons.some((b) => b.type === "url")) {
    fail("trackClicks", "counts the clicks on url buttons; the campaign has none");
  }

  const type =
    option(input, "whatsAppTemplateType") ??
    (input.templateType ? { value: input.templateType, field: "templateType" } : undefined);
  const category = (type?.value.trim().toUpperCase() ?? "MARKETING") as BroadcastCategory;
  if (type && !BROADCAST_CATEGORIES.includes(category)) {
    fail(type.field, `must be one of ${BROADCAST_CATEGORIES.join(", ")}`);
  }

  const languageOption = option(input, "languageCode");
  const language = normalizeLanguage(languageOption?.value ?? DEFAULT_LANGUAGE);
  if (languageOption && !isLanguage(language)) {
    fail(languageOption.field, "must be a language code such as en_US (or enUS), en or pt_BR");
  }

  const runImmediately = option(input, "runImmediately")?.value ?? false;
  const time = option(input, "timeToRun");
  let timeToRun: number | null = null;
  if (time) {
    timeToRun = toMillis(time.value);
    if (timeToRun === null) fail(time.field, "must be a Unix timestamp (seconds or milliseconds) or an ISO 8601 time");
  }
  const audiences = option(input, "audiences");
  let run: Checked["run"] = null;
  if (runImmediately || time) {
    if (!audiences || audiences.value.length === 0) {
      fail(
        audiences?.field ?? "options.audiences",
        `is required to ${runImmediately ? "run the campaign" : "schedule a run"}: audience ids or names, or ["all"]`,
      );
    } else {
      run = { audiences: audiences.value, audiencesField: audiences.field, timeToRun };
    }
  }

  // The body's own template rules (a variable at the very start or end, say), said of `message`.
  if (!errors.some((e) => e.field === "message")) {
    const body = templateIssues({
      name: "x",
      language: DEFAULT_LANGUAGE,
      category: "UTILITY",
      ...(numbered.names.length > 0 ? { parameterFormat: "NAMED" as const } : {}),
      body: { text: numbered.text },
    });
    for (const issue of body) {
      fail("message", issue.message.replaceAll("placeholder", "variable"));
    }
  }

  return {
    checked: { title, message, numbered, imgUrl, imgMedia, buttons, trackClicks, category, language, run },
    errors,
  };
}

// Where a template rule's path points in the campaign request.
export function fieldOfIssue(path: (string | number)[]): string {
  const [part, index, field] = path;
  if (part === "body") return "message";
  if (part === "header") return "imgUrl";
  if (part === "name") return "title";
  if (part === "language") return "options.languageCode";
  if (part === "buttons" && index !== undefined) return `buttons.${index}.${field === undefined ? "type" : field}`;
  return String(part);
}

/** The checks that read the database (and the image), all run together. */
export async function checkReferences(db: Db, projectId: string, checked: Checked, media: MediaCheckOptions = {}) {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, in: "body", message });

  // Variables: each {group.field} must name a group (by name, or id) that has the field.
  const uses: { key: string; field: string }[] = [
    ...checked.numbered.variables.map((key) => ({ key, field: "message" })),
    ...[...checked.buttons.urlVariables].map(([i, key]) => ({ key, field: `buttons.${i}.url` })),
  ];
  const groups = await groupsByRef(
    db,
    projectId,
    uses.map((u) => splitRefKey(u.key).group),
  );
  for (const use of uses) {
    const { group, field } = splitRefKey(use.key);
    const found = groups.get(group);
    if (!found) fail(use.field, `{${use.key}}: there is no variable group named "${group}"`);
    else if (!found.fields.includes(field)) {
      fail(
        use.field,
        `{${use.key}}: variable group "${group}" has no field "${field}" (its fields: ${found.fields.join(", ") || "none"})`,
      );
    }
  }

  const journeyButtons = checked.buttons.buttons.flatMap((b, i) =>
    b.type === "journey" && b.journeyId ? [{ i, id: b.journeyId }] : [],
  );
  const imageCheck = checked.imgUrl ? checkMediaUrl(checked.imgUrl, "IMAGE", media) : null;
  const [knownJourneys, audienceCheck, image, libraryImage, titleTaken, inputGroupClash] = await Promise.all([
    journeysByIds(
      db,
      projectId,
      journeyButtons.map((j) => j.id),
    ),
    checked.run ? resolveAudiences(db, projectId, checked.run.audiences) : null,
    imageCheck,
    checked.imgMedia ? getMediaFile(db, projectId, checked.imgMedia) : undefined,
    broadcastTitleTaken(db, projectId, checked.title),
    checked.buttons.buttons.some((b) => b.type === "input")
      ? db
          .select({ pk: variableGroups.pk })
          .from(variableGroups)
          .where(and(eq(variableGroups.projectId, projectId), eq(variableGroups.name, checked.title)))
          .get()
      : undefined,
  ]);
  for (const { i, id } of journeyButtons) {
    if (!knownJourneys.has(id)) fail(`buttons.${i}.journeyId`, `there is no journey with id "${id}"`);
  }
  if (audienceCheck && checked.run && audienceCheck.unknown.length > 0) {
    fail(checked.run.audiencesField, `no audience with this id or unique name: ${audienceCheck.unknown.join(", ")}`);
  }
  if (image && !image.ok) fail("imgUrl", image.reason);
  if (checked.imgMedia && !libraryImage) fail("imgMedia", `no media file ${checked.imgMedia} in this project`);
  else if (libraryImage && kindOfType(libraryImage.contentType) !== "IMAGE") {
    fail("imgMedia", `is ${libraryImage.contentType}; a campaign's image header takes a JPEG or PNG image`);
  }

  const conflicts: string[] = [];
  if (titleTaken) conflicts.push(`a broadcast campaign titled "${checked.title}" already exists`);
  if (inputGroupClash) {
    conflicts.push(
      `a variable group is already named "${checked.title}": a campaign with input buttons collects presses in a group named after its title`,
    );
  }
  return { errors, conflicts, libraryImage: libraryImage ?? null };
}
