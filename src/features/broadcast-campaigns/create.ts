import type { Config } from "../../platform/config";
import type { Db } from "../../platform/db/client";
import { isUniqueViolation } from "../../platform/db/errors";
import { campaigns, templates } from "../../platform/db/schema";
import { ApiError, fieldError, invalidFields } from "../../platform/errors";
import type { Logger } from "../../platform/log";
import type { MediaUpload, TemplateDefinition } from "../../whatsapp/provider";
import { providerFailure } from "../../whatsapp/provider-call";
import { providerForProject } from "../../whatsapp/select";
import { newCampaignId } from "../api-campaigns/store";
import type { BroadcastCampaign } from "../broadcast-messages/campaign";
import { trackedTemplateButtons } from "../broadcast-messages/links";
import { downloadMedia } from "../media/download";
import type { MediaFileRow } from "../media/library-store";
import { MEDIA_LIMITS } from "../media/limits";
import type { RunRow } from "../runs/schemas";
import { startRun } from "../runs/start";
import { templateIssues } from "../templates/definition-rules";
import { templateParams } from "../templates/send-rules";
import { newTemplateId } from "../templates/store";
import { insertInputGroup } from "../variable-groups/store";
import { checkInput, checkReferences, fieldOfIssue } from "./checks";
import type { CreateCampaignInput } from "./schemas";
import { templateDefinition, templateNameFor } from "./template";

/**
 * The image Meta reviews the template with (`example.header_handle`, uploaded through the app):
 * the library file from R2, or the `imgUrl` downloaded under the media rules.
 */
async function imageExample(deps: CreateDeps, imgUrl: string | null, file: MediaFileRow | null): Promise<MediaUpload> {
  if (file) {
    const object = await deps.env.FILES.get(file.r2Key);
    if (!object) throw new ApiError("internal_error", `media file ${file.id} is missing from storage: upload it again`);
    return { bytes: await object.arrayBuffer(), contentType: file.contentType, filename: file.filename };
  }
  const url = imgUrl as string;
  const downloaded = await downloadMedia(url, MEDIA_LIMITS.IMAGE.maxBytes, { devHosts: deps.config.DEV_MEDIA_HOSTS });
  if (!downloaded.ok) throw fieldError("imgUrl", downloaded.reason);
  return { bytes: downloaded.bytes, contentType: downloaded.contentType, filename: "image" };
}

export interface CreateDeps {
  env: Env;
  db: Db;
  config: Config;
  log: Logger;
  /** The origin the request came to: tracked links lead there unless PUBLIC_URL says otherwise. */
  origin: string;
}

const titleConflict = (messages: string[]) =>
  new ApiError("conflict", messages.join("; "), {
    fields: messages.map((message) => ({ field: "title", in: "body" as const, message })),
  });

export interface Created {
  campaign: BroadcastCampaign;
  run: RunRow | null;
}

/**
 * Creates a broadcast campaign: checks everything first, submits its template to WhatsApp, then
 * writes the template, the campaign and (for input buttons) its input group in one D1 batch, and
 * finally starts or schedules a run when asked to. Nothing is written if any check fails or
 * WhatsApp refuses the template.
 */
export async function createBroadcastCampaign(
  deps: CreateDeps,
  projectId: string,
  input: CreateCampaignInput,
): Promise<Created> {
  const { db, log } = deps;
  const { checked, errors } = checkInput(input);
  if (errors.length > 0) throw invalidFields(errors);

  const definition: TemplateDefinition = {
    ...templateDefinition({
      name: templateNameFor(checked.title),
      language: checked.language,
      category: checked.category,
      text: checked.numbered.text,
      named: checked.numbered.names.length > 0,
      image: checked.imgUrl !== null || checked.imgMedia !== null,
      buttons: checked.trackClicks
        ? trackedTemplateButtons(checked.buttons.template, deps.config.PUBLIC_URL ?? deps.origin)
        : checked.buttons.template,
    }),
    ...(input.messageSendTtlSeconds !== undefined ? { messageSendTtlSeconds: input.messageSendTtlSeconds } : {}),
  };
  // Everything above mirrors Meta's rules field by field; this catches whatever they missed.
  const leftover = templateIssues(definition).map((issue) => ({
    field: fieldOfIssue(issue.path),
    in: "body" as const,
    message: issue.message,
  }));
  if (leftover.length > 0) throw invalidFields(leftover);

  const references = await checkReferences(db, projectId, checked, { devHosts: deps.config.DEV_MEDIA_HOSTS });
  if (references.errors.length > 0) throw invalidFields(references.errors);
  if (references.conflicts.length > 0) throw titleConflict(references.conflicts);

  const { provider } = await providerForProject(db, { config: deps.config, events: deps.env.EVENTS }, projectId);
  if (checked.imgUrl !== null || references.libraryImage) {
    const example = await imageExample(deps, checked.imgUrl, references.libraryImage);
    const uploaded = await provider.uploadTemplateExample(example);
    if (!uploaded.ok) throw providerFailure(uploaded.error, "take the campaign's image as the template's example");
    definition.header = { format: "IMAGE", example: uploaded.handle };
  }
  const action = "create the campaign's template";
  let submitted: Awaited<ReturnType<typeof provider.createTemplate>>;
  try {
    submitted = await provider.createTemplate(definition);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    log.error("whatsapp provider threw", { action, err });
    throw new ApiError("provider_error", `WhatsApp could not ${action}; try again later`);
  }
  if (!submitted.ok) throw providerFailure(submitted.error, action);

  const now = Date.now();
  const campaignId = newCampaignId();
  const templateId = newTemplateId();
  const variables = checked.numbered.variables;
  const statements = [
    db.insert(templates).values({
      id: templateId,
      projectId,
      name: definition.name,
      language: definition.language,
      category: definition.category,
      status: submitted.status,
      rejectedReason: submitted.rejectedReason,
      providerTemplateId: submitted.providerTemplateId,
      definition,
      params: templateParams(definition),
      createdAt: now,
      updatedAt: now,
    }),
    db.insert(campaigns).values({
      id: campaignId,
      projectId,
      kind: "broadcast",
      name: checked.title,
      templateId,
      status: "live",
      message: checked.message,
      variables,
      imgUrl: checked.imgUrl,
      imgMedia: checked.imgMedia,
      buttons: checked.buttons.buttons,
      trackClicks: checked.trackClicks,
      language: checked.language,
      category: checked.category,
      createdAt: now,
      updatedAt: now,
    }),
  ] as const;
  try {
    if (checked.buttons.buttons.some((b) => b.type === "input")) {
      await db.batch([...statements, insertInputGroup(db, projectId, campaignId, checked.title, now)]);
    } else {
      await db.batch(statements);
    }
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // A concurrent create with the same title won: take the template we just submitted back.
    await provider.deleteTemplate(definition.name, submitted.providerTemplateId).catch(() => undefined);
    throw titleConflict([
      `a broadcast campaign titled "${checked.title}" (or a variable group of that name) already exists`,
    ]);
  }
  log.info("broadcast campaign created", { campaignId, templateId, templateStatus: submitted.status });

  const campaign: BroadcastCampaign = {
    id: campaignId,
    projectId,
    title: checked.title,
    templateId,
    templateName: definition.name,
    language: checked.language,
    category: checked.category,
    templateStatus: submitted.status,
    message: checked.message,
    variables,
    bodyNames: checked.numbered.names.length > 0 ? checked.numbered.names : null,
    imgUrl: checked.imgUrl,
    imgMedia: checked.imgMedia,
    buttons: checked.buttons.buttons,
    trackClicks: checked.trackClicks,
    createdAt: now,
  };
  if (!checked.run) return { campaign, run: null };
  try {
    const run = await startRun(
      { env: deps.env, db },
      { projectId, campaignId, audiences: checked.run.audiences, timeToRun: checked.run.timeToRun },
    );
    return { campaign, run };
  } catch (err) {
    // The campaign and its template exist; say so, so the client runs it rather than re-creating it.
    if (err instanceof ApiError) {
      throw new ApiError(err.code, `campaign ${campaignId} was created, but its run did not start: ${err.message}`, {
        fields: err.fields?.map((f) =>
          f.field === "audiences" ? { ...f, field: checked.run?.audiencesField ?? f.field } : f,
        ),
      });
    }
    throw err;
  }
}
