import type { Db } from "../../platform/db/client";
import type { Transition } from "../../platform/db/schema";
import type { ApiSendJob } from "../../queues/contracts";
import { type KnownDefinitions, upsertContact } from "../contacts/store";
import { insertMessageOnce } from "../messages/store";

export const OPTED_OUT_REASON = "opted_out";

/**
 * Persists what the request accepted: the contact, then the message (queued, or skipped with its
 * reason). Safe to run again for the same job: the contact upsert is idempotent and the message is
 * inserted once. `created` is the message's first transition, null when it already existed.
 */
export async function persistApiSend(
  db: Db,
  job: ApiSendJob,
  known?: KnownDefinitions,
): Promise<{ created: Transition | null; skipReason: string | undefined }> {
  const { contact } = await upsertContact(
    db,
    job.projectId,
    job.contact.number,
    {
      name: job.contact.name,
      source: job.contact.source,
      tags: job.contact.tags,
      attributes: job.contact.attributes,
    },
    known,
  );
  // The contact row is the authority on opt-out; the request path only had a snapshot.
  const skipReason =
    job.skipReason ?? (job.category === "MARKETING" && contact.optedOut ? OPTED_OUT_REASON : undefined);
  const created = await insertMessageOnce(db, {
    id: job.messageId,
    projectId: job.projectId,
    number: job.contact.number,
    templateId: job.templateId,
    campaignId: job.campaignId,
    payload: job.payload,
    skipReason,
  });
  return { created, skipReason };
}
