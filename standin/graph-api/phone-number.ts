// GET /{phone-number-id}: the phone number node. Only what the product reads is answered: its id,
// display number and, when asked, the throughput level (`throughput`) and the portfolio's messaging
// limit tier (`whatsapp_business_manager_messaging_limit`).

import { unauthorized, unknownObject } from "./errors.ts";
import { json } from "./http.ts";
import { injected, injectedResponse } from "./injections.ts";
import { authorized, type Store } from "./state.ts";

export function phoneNumber(store: Store, request: Request, url: URL, id: string): Response {
  const state = store.byPhone.get(id);
  if (!state) return unknownObject(id, request.method);
  if (!authorized(request, url, state.account)) return unauthorized();
  const injection = injected(state, "phone_number");
  if (injection) return injectedResponse(injection);
  const fields = (url.searchParams.get("fields") ?? "id,display_phone_number").split(",").map((f) => f.trim());
  const node: Record<string, unknown> = { id };
  if (fields.includes("display_phone_number")) node.display_phone_number = state.account.displayPhoneNumber;
  if (fields.includes("throughput")) node.throughput = { level: state.account.throughputLevel ?? "STANDARD" };
  if (fields.includes("whatsapp_business_manager_messaging_limit"))
    node.whatsapp_business_manager_messaging_limit = state.account.messagingLimit ?? "TIER_UNLIMITED";
  return json(node);
}
