import type { TemplateDefinition } from "../provider";

/**
 * The template's message validity period, as POST /{waba-id}/message_templates takes it
 * (`message_send_ttl_seconds`); nothing when the definition leaves Meta's default. Meta applies it
 * to every send of the template, except a marketing template sent through Cloud API's /messages,
 * where only the Marketing Messages API honours it.
 */
export const validityPeriod = (definition: TemplateDefinition): { message_send_ttl_seconds?: number } =>
  definition.messageSendTtlSeconds === undefined ? {} : { message_send_ttl_seconds: definition.messageSendTtlSeconds };
