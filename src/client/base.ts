import { type Call, send, type Transport } from "./http.js";
import { type ChatOptions, transportOf } from "./options.js";
import type { ApiCampaignSend, ApiCampaignSendOptions, ApiCampaignSendResponse } from "./types/index.js";

/**
 * What every part of the client shares: the transport, and the API key in a private field (not in
 * `JSON.stringify(chat)`, `String(chat)` or any error). The one call that carries the key in its
 * body lives here, so the key never leaves this class. The parts are layered by file (./results.ts,
 * ./chat.ts) to keep each file small; users see one `Chat`.
 */
export class ChatBase {
  readonly #transport: Transport;
  readonly #apiKey: string;

  constructor(apiKey: string, options: ChatOptions) {
    this.#transport = transportOf(apiKey, options);
    this.#apiKey = this.#transport.authorization;
  }

  get baseUrl(): string {
    return this.#transport.baseUrl;
  }

  toString(): string {
    return `Chat(${this.baseUrl})`;
  }

  toJSON() {
    return { baseUrl: this.baseUrl };
  }

  [Symbol.for("nodejs.util.inspect.custom")]() {
    return this.toString();
  }

  protected async call<T>(call: Call): Promise<T> {
    return (await this.exchange<T>(call)).body;
  }

  /** The answer with its headers, for calls that page through `X-Next-Cursor`. */
  protected exchange<T>(call: Call) {
    return send<T>(this.#transport, call);
  }

  // -------------------------------------------------------------------------- API campaigns

  /** Sends an API campaign's template to one person; the key goes in the body, as that call expects. */
  sendApiCampaign(body: ApiCampaignSend, options: ApiCampaignSendOptions = {}): Promise<ApiCampaignSendResponse> {
    return this.call({
      method: "POST",
      path: "/campaign/t1/api/v2",
      json: { ...body, apiKey: this.#apiKey },
      headers: options.idempotencyKey ? { "idempotency-key": options.idempotencyKey } : undefined,
      anonymous: true,
    });
  }
}
