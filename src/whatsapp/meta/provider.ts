import type {
  RemoteTemplate,
  Result,
  TemplateDefinition,
  TemplateMessage,
  TemplateStatus,
  WhatsAppProvider,
} from "../types";

export interface MetaProviderOptions {
  /** e.g. https://graph.facebook.com (no trailing slash needed) */
  baseUrl: string;
  /** e.g. v26.0 */
  version: string;
  phoneNumberId: string;
  wabaId: string;
  accessToken: string;
  /** Injected for tests and benchmarks; defaults to the global fetch. */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** WhatsApp Cloud API through Meta's Graph API. */
export class MetaProvider implements WhatsAppProvider {
  readonly kind = "meta";

  constructor(readonly options: MetaProviderOptions) {}

  sendTemplate(_message: TemplateMessage): Promise<Result<{ wamid: string }>> {
    throw new Error("MetaProvider.sendTemplate: under construction");
  }

  createTemplate(
    _definition: TemplateDefinition,
  ): Promise<Result<{ providerTemplateId: string; status: TemplateStatus; rejectedReason: string | null }>> {
    throw new Error("MetaProvider.createTemplate: under construction");
  }

  listTemplates(): Promise<Result<{ templates: RemoteTemplate[] }>> {
    throw new Error("MetaProvider.listTemplates: under construction");
  }

  deleteTemplate(_name: string): Promise<Result<object>> {
    throw new Error("MetaProvider.deleteTemplate: under construction");
  }
}
