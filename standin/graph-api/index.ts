// A stand-in for Meta's Graph API (WhatsApp Cloud API and the message_templates endpoints), written
// once as a Web-standard fetch handler so the same object serves tests in workerd, Node-side
// outbound routing in vitest, and local runs. It checks requests the way Meta does and answers
// with Meta's documented success and error bodies; it never talks to Meta.
//
// Graph endpoints (any version vNN.N):
//   POST   /{version}/{phone-number-id}/messages          template and text sends (the 24-hour
//                                                         window is not tracked: inject 131047
//                                                         with delivery "webhook" to play it)
//   POST   /{version}/{phone-number-id}/marketing_messages  Marketing Messages API: marketing
//                                                         templates only, otherwise as /messages
//   POST   /{version}/{waba-id}/message_templates          create (PENDING, or APPROVED with autoApprove)
//   GET    /{version}/{waba-id}/message_templates          list, cursor paging (limit, after, fields, name)
//   DELETE /{version}/{waba-id}/message_templates?name=    delete every language of a name
//   GET    /{version}/{phone-number-id}?fields=throughput,whatsapp_business_manager_messaging_limit
//                                          the number's throughput level and messaging limit tier
//   POST   /{version}/{phone-number-id}/media             media upload (multipart: messaging_product,
//                                                         type, file) → {id}
//   POST   /{version}/{app-id}/uploads?file_length=&file_type=  Resumable Upload API session → {id}
//   POST   /{version}/upload:<session>                    its bytes (file_offset: 0) → {h: handle}
//
// Control endpoints (JSON), never part of Meta's API:
//   POST   /__standin/accounts            {phoneNumberId, wabaId, accessToken, appSecret, autoApprove?, displayPhoneNumber?,
//                                          throughputLevel? (STANDARD), appId?}
//   POST   /__standin/throughput          {phoneNumberId, level: "STANDARD" | "HIGH" | "NOT_APPLICABLE"}
//   POST   /__standin/messaging-limit     {phoneNumberId, tier: "TIER_250" … "TIER_UNLIMITED"}
//   POST   /__standin/templates           {wabaId, name, language, status, category?, components?, rejectedReason?,
//                                          messageSendTtlSeconds?, messageStatus?}
//                                         seeds a template or changes its status; queues a
//                                         message_template_status_update webhook
//   POST   /__standin/errors              {phoneNumberId, code, httpStatus?, mode: "always" | "next" | "every",
//                                          count?, recipient?, endpoint? ("messages" |
//                                          "marketing_messages" | "message_templates" | "phone_number" | "media"),
//                                          retryAfter?,
//                                          delivery?,
//                                          fault?: "hang" | "truncate" | "gateway", holdMs?}
//                                         next: the next `count` matching requests fail;
//                                         every: every `count`-th matching request fails;
//                                         fault (no code): the send is taken, its answer broken
//   DELETE /__standin/errors?phoneNumberId=
//   GET    /__standin/sends?phoneNumberId=      every send request received, in order
//   GET    /__standin/media?phoneNumberId=      every file uploaded, in order (type, bytes, name), and
//                                               the template example handles uploads answered
//   POST   /__standin/webhooks/drain?phoneNumberId=  (or ?wabaId=) → [{body, signature}], emptied
//
// Only WebCrypto and fetch-API globals are used: it runs in Node 22 and in workerd alike. Node
// loads these files as they are (bench/standin-server.mjs, type stripping), which is why relative
// imports name the `.ts` file and type-only imports say `import type`.
import { control } from "./control.ts";
import { graphError, unknownObject } from "./errors.ts";
import { uploadMedia } from "./media.ts";
import { sendMessage } from "./messages.ts";
import { phoneNumber } from "./phone-number.ts";
import { createStore, type Store } from "./state.ts";
import { messageTemplates } from "./templates.ts";
import type { GraphStandIn, GraphStandInOptions } from "./types.ts";
import { openUploadSession, uploadToSession } from "./uploads.ts";
import { createWebhookOutbox } from "./webhooks.ts";

export type {
  ErrorInjection,
  GraphStandIn,
  GraphStandInOptions,
  InjectionMode,
  QueuedWebhook,
  ReceivedSend,
} from "./types.ts";

export function createGraphStandIn(options: GraphStandInOptions = {}): GraphStandIn {
  const outbox = createWebhookOutbox(options);
  const store = createStore(outbox);
  return {
    async fetch(request: Request): Promise<Response> {
      try {
        return await route(store, request);
      } catch (error) {
        return graphError(1, { message: `An unknown error occurred (stand-in: ${String(error)})` });
      }
    },
    settled: outbox.settled,
  };
}

async function route(store: Store, request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === "/__standin" || url.pathname.startsWith("/__standin/")) return control(store, request, url);
  const parts = url.pathname.split("/").filter(Boolean);
  const [version, id, edge, ...rest] = parts;
  if (!version || !/^v\d+\.\d+$/.test(version) || !id || rest.length > 0) {
    return graphError(2500, { message: `Unknown path components: ${url.pathname}`, httpStatus: 400 });
  }
  if ((edge === "messages" || edge === "marketing_messages") && request.method === "POST") {
    return sendMessage(store, request, url, id, edge);
  }
  if (edge === "message_templates") return messageTemplates(store, request, url, id);
  if (edge === "media" && request.method === "POST") return uploadMedia(store, request, url, id);
  if (edge === "uploads" && request.method === "POST") return openUploadSession(store, request, url, id);
  if (edge === undefined && id.startsWith("upload:") && request.method === "POST") {
    return uploadToSession(store, request, url, id);
  }
  if (edge === undefined && request.method === "GET" && store.byPhone.has(id))
    return phoneNumber(store, request, url, id);
  return unknownObject(id, request.method);
}
