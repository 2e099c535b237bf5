import type { Db } from "../../platform/db/client";
import type { Logger } from "../../platform/log";
import { readAfterWebhook } from "../number-state/throughput";
import { onAccountChange, onCapabilityChange, onNumberQualityChange } from "../number-state/updates";
import { followTemplateStatusInRuns } from "../runs/wake";
import { onTemplateCategoryChange } from "../templates/category";
import { onTemplateQualityChange } from "../templates/quality";
import { onTemplateStatusChange } from "../templates/status-webhook";

// The webhook fields that change the state of a template, a number or an account, each read by
// its own handler from the raw change value. A change its handler cannot read comes back as the
// reason, for the caller to keep as a dead letter; one about a template or account this
// deployment does not have is simply not applied.

interface Deps {
  db: Db;
  log: Logger;
  env?: Pick<Env, "JOBS" | "SENDS" | "RUN_LEDGER">;
}

interface Change {
  projectId: string;
  wabaId: string;
  value: unknown;
}

type Handler = (deps: Deps, change: Change) => Promise<{ ignored?: string }>;

/** The template's status, then what follows for its API campaigns and its broadcast runs. */
const onStatus: Handler = async (deps, change) => {
  const result = await onTemplateStatusChange(deps, change);
  if ("changes" in result) await followTemplateStatusInRuns(deps, result.changes);
  return result;
};

/** The number's or account's state, then its throughput level read again (Meta moves it with the tier). */
const thenThroughput =
  (handler: (deps: Deps, change: Change) => Promise<{ applied: boolean; ignored?: string }>): Handler =>
  async (deps, change) => {
    const result = await handler(deps, change);
    if (result.applied) await readAfterWebhook(deps, change.projectId);
    return result;
  };

const HANDLERS: Record<string, Handler> = {
  message_template_status_update: onStatus,
  template_category_update: onTemplateCategoryChange,
  message_template_quality_update: onTemplateQualityChange,
  phone_number_quality_update: thenThroughput(onNumberQualityChange),
  account_update: thenThroughput(onAccountChange),
  business_capability_update: onCapabilityChange,
};

export const isStateField = (field: string) => Object.hasOwn(HANDLERS, field);

/** Applies one state change; returns why it could not be read, or null. */
export async function applyStateField(field: string, deps: Deps, change: Change): Promise<string | null> {
  const handler = HANDLERS[field];
  if (!handler) return `no handler for \`${field}\``;
  const result = await handler(deps, change);
  if (result.ignored === "unreadable" || result.ignored === "unknown_category") {
    return `unreadable \`${field}\` change: ${result.ignored === "unknown_category" ? "a category this product does not know" : "the fields it needs are missing or malformed"}`;
  }
  if (result.ignored) deps.log.info("webhook state change not applied", { field, ignored: result.ignored });
  return null;
}
