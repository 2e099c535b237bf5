import type { Context } from "hono";
import { createDb } from "../../platform/db/client";
import { inJsonList } from "../../platform/db/json-list";
import { whatsappAccounts } from "../../platform/db/schema";
import type { AppEnv } from "../../platform/http/context";

// `whatsapp_accounts.webhook_at` answers the operator's "has Meta's webhook reached this Worker?".
// It is a hint, not a log: written at most once a minute per account and isolate, after the answer,
// so a busy webhook costs no D1 write per delivery.
const RESOLUTION_MS = 60_000;
const lastWritten = new Map<string, number>();
const MAX_REMEMBERED = 10_000;

/** Notes that Meta's webhook reached these projects' accounts now (its verification, or a POST for their number). */
export function noteWebhookReached(c: Context<AppEnv>, projectIds: Iterable<string>, now = Date.now()) {
  const due = [...new Set(projectIds)].filter((id) => {
    const last = lastWritten.get(id);
    return last === undefined || now - last >= RESOLUTION_MS;
  });
  if (due.length === 0) return;
  if (lastWritten.size + due.length > MAX_REMEMBERED) lastWritten.clear();
  for (const id of due) lastWritten.set(id, now);
  // A fresh client on the raw binding: the answer does not wait on this write. The ids go as one JSON
  // value, so a payload naming many numbers never meets D1's 100 bound parameters.
  c.executionCtx.waitUntil(
    createDb(c.env.DB)
      .update(whatsappAccounts)
      .set({ webhookAt: now })
      .where(inJsonList(whatsappAccounts.projectId, due))
      .run()
      .catch((err: unknown) => {
        for (const id of due) lastWritten.delete(id);
        c.var.log.warn("webhook_at update failed", { err });
      }),
  );
}
