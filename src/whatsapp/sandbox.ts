import { randomBytes, toHex } from "../platform/crypto";
import { sendInBatches } from "../platform/queue-batches";
import { type SendEdge, templateEdge } from "./meta/marketing-messages";
import {
  expiredMessage,
  type MediaUpload,
  type Result,
  type TemplateDefinition,
  type TemplateMessage,
  type TemplateStatus,
  type TextMessage,
  type WhatsAppProvider,
} from "./provider";
import { statusPayload, type WebhookEventMessage } from "./webhook/payload";

/**
 * Test numbers: the last four digits of the recipient choose what happens, so every counter can be
 * watched moving without a Meta account. Any other number goes sent → delivered → read.
 */
export const SANDBOX_OUTCOMES = {
  "0000": { description: "not on WhatsApp (failed, 131026)", code: 131026, title: "Message undeliverable" },
  "1111": { description: "delivery fails (failed, 131000)", code: 131000, title: "Something went wrong" },
  "2222": { description: "delivered, never read" },
  "3333": {
    description: "has stopped marketing messages (a MARKETING template fails with 131050)",
    code: 131050,
    title: "User has stopped marketing messages",
  },
} as const;

// Seconds after the send at which each status arrives, through the events queue like a webhook.
export const SANDBOX_DELAYS = { sent: 1, delivered: 2, read: 4, failed: 2 } as const;

export interface SandboxOptions {
  projectId: string;
  phoneNumberId: string;
  wabaId: string;
  events: Queue;
  /** Plays the Marketing Messages API for marketing templates, as an onboarded number's account. */
  marketingMessagesApi?: boolean;
  /** The throughput level the sandbox reports for its number; STANDARD (80/s) unless set. */
  throughputLevel?: string;
  /** The messaging limit tier the sandbox reports; unlimited unless set, so runs never wait on it. */
  messagingLimit?: string;
  now?: () => number;
}

/** Accepts every well-formed send and plays Meta's webhook lifecycle through the `events` queue. */
export class SandboxProvider implements WhatsAppProvider {
  readonly kind = "sandbox";

  constructor(private readonly options: SandboxOptions) {}

  async sendTemplate(message: TemplateMessage): Promise<Result<{ wamid: string }>> {
    const expired = expiredMessage(message);
    if (expired) return expired;
    const edge = templateEdge(message, this.options.marketingMessagesApi === true);
    const category = (message.template.category ?? "UTILITY").toLowerCase();
    return this.play(message.to, message.callbackData, category, edge);
  }

  /** Text messages play the same lifecycle; they are never marketing, so 3333 reads them. */
  async sendText(message: TextMessage): Promise<Result<{ wamid: string }>> {
    return this.play(message.to, message.callbackData, "service", "messages");
  }

  /** Schedules the statuses the recipient's test ending calls for, as Meta's webhooks would bring them. */
  private async play(
    to: string,
    callbackData: string | undefined,
    /** Meta's pricing category, lowercase; "service" for a text in the customer's window (free). */
    category: string,
    edge: SendEdge,
  ): Promise<Result<{ wamid: string }>> {
    // The endpoint shows in the id, so a sandbox user can see where a send would have gone.
    const wamid = `wamid.sandbox${edge === "marketing_messages" ? ".mm" : ""}.${toHex(randomBytes(12))}`;
    const ending = to.slice(-4);
    const marketing = category === "marketing";
    // Priced as Meta prices it, on the sent and delivered statuses.
    const pricing = {
      billable: category !== "service",
      pricing_model: "PMP",
      category,
      type: category === "service" ? "free_customer_service" : "regular",
    };
    const now = this.options.now?.() ?? Date.now();
    const base = {
      wabaId: this.options.wabaId,
      phoneNumberId: this.options.phoneNumberId,
      wamid,
      recipient: to,
      callbackData,
    };
    const plan: { status: "sent" | "delivered" | "read" | "failed"; error?: { code: number; title: string } }[] = [];
    if (ending === "0000") plan.push({ status: "failed", error: SANDBOX_OUTCOMES["0000"] });
    else if (ending === "3333" && marketing) plan.push({ status: "failed", error: SANDBOX_OUTCOMES["3333"] });
    else if (ending === "1111") plan.push({ status: "sent" }, { status: "failed", error: SANDBOX_OUTCOMES["1111"] });
    else if (ending === "2222") plan.push({ status: "sent" }, { status: "delivered" });
    else plan.push({ status: "sent" }, { status: "delivered" }, { status: "read" });

    // Through the platform's chunking rather than src/queues' producers, which sit above this module.
    await sendInBatches(
      this.options.events,
      plan.map(({ status, error }) => {
        const delay = SANDBOX_DELAYS[status];
        const body: WebhookEventMessage = {
          kind: "whatsapp-webhook",
          source: "sandbox",
          projectId: this.options.projectId,
          receivedAt: now + delay * 1000,
          payload: statusPayload({
            ...base,
            status,
            at: now + delay * 1000,
            error: error ? { code: error.code, title: error.title, message: error.title } : undefined,
            ...(status === "sent" || status === "delivered" ? { pricing } : {}),
          }),
        };
        return { body, delaySeconds: delay };
      }),
      "events",
    );
    return { ok: true, wamid };
  }

  async createTemplate(
    _definition: TemplateDefinition,
  ): Promise<Result<{ providerTemplateId: string; status: TemplateStatus; rejectedReason: string | null }>> {
    // The sandbox reviews nothing: every well-formed template is approved at once.
    return {
      ok: true,
      providerTemplateId: `sandbox-${toHex(randomBytes(8))}`,
      status: "APPROVED",
      rejectedReason: null,
    };
  }

  async listTemplates() {
    // The sandbox keeps no templates of its own; the project's table is the whole truth.
    return { ok: true as const, templates: [] };
  }

  async deleteTemplate(_name: string, _providerTemplateId?: string | null) {
    return { ok: true as const };
  }

  async readNumber() {
    return {
      ok: true as const,
      level: this.options.throughputLevel ?? "STANDARD",
      messagingLimit: this.options.messagingLimit ?? "TIER_UNLIMITED",
    };
  }

  /** A handle for a template example, as Meta's upload session answers it; the sandbox reviews nothing. */
  async uploadTemplateExample(_file: MediaUpload) {
    return { ok: true as const, handle: `sandbox-handle-${toHex(randomBytes(8))}` };
  }

  /** Takes any file and names it, as Meta would; nothing is kept, as nothing is delivered. */
  async uploadMedia(_file: MediaUpload) {
    return { ok: true as const, id: `sandbox-media-${toHex(randomBytes(8))}` };
  }
}
