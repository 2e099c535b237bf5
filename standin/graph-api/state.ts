// What one stand-in remembers: accounts by phone number id and by WABA id (the two ids Meta's
// paths use), each WABA's templates, and where webhooks go. Every createGraphStandIn call has its
// own; nothing is global.
import type { Account, AccountState, StoredTemplate } from "./types.ts";
import type { WebhookOutbox } from "./webhooks.ts";

export interface Store {
  byPhone: Map<string, AccountState>;
  byWaba: Map<string, AccountState>;
  templates: Map<string, StoredTemplate[]>;
  queueWebhook: WebhookOutbox["queue"];
  nextInjectionId(): number;
}

export function createStore(outbox: WebhookOutbox): Store {
  let injectionIds = 0;
  return {
    byPhone: new Map(),
    byWaba: new Map(),
    templates: new Map(),
    queueWebhook: outbox.queue,
    nextInjectionId: () => ++injectionIds,
  };
}

/** Registers an account, replacing the one that had its phone number id or WABA id (state and all). */
export function registerAccount(store: Store, account: Account): void {
  const previous = store.byPhone.get(account.phoneNumberId) ?? store.byWaba.get(account.wabaId);
  if (previous) {
    store.byPhone.delete(previous.account.phoneNumberId);
    store.byWaba.delete(previous.account.wabaId);
  }
  const state: AccountState = {
    account,
    injections: [],
    sends: [],
    webhooks: [],
    media: [],
    uploadSessions: new Map(),
    handles: new Set(),
  };
  store.byPhone.set(account.phoneNumberId, state);
  store.byWaba.set(account.wabaId, state);
}

/** The WABA's templates, as a list kept in the store (created empty on first use). */
export function templatesOf(store: Store, wabaId: string): StoredTemplate[] {
  const list = store.templates.get(wabaId) ?? [];
  store.templates.set(wabaId, list);
  return list;
}

/** Meta takes the access token as a Bearer header or as the `access_token` query parameter. */
export function authorized(request: Request, url: URL, account: Account): boolean {
  const header = request.headers.get("authorization") ?? "";
  const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? url.searchParams.get("access_token") ?? "";
  return token === account.accessToken;
}
