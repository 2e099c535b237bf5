import { z } from "@hono/zod-openapi";
import { OTP_TYPES } from "../../whatsapp/provider";

// The shapes of a template's buttons, one per kind Meta offers; their rules (counts, mixes,
// lengths) are checked by button-rules once the shape is right.

const CopyCodeButton = z.object({
  type: z.literal("COPY_CODE"),
  text: z.string().optional().openapi({ description: 'Meta labels it itself ("Copy offer code")' }),
  example: z
    .string()
    .optional()
    .openapi({ description: "A sample coupon code, at most 15 characters", example: "SAVE25" }),
});

export const SimpleButtons = [
  z.object({ type: z.literal("QUICK_REPLY"), text: z.string() }),
  z.object({
    type: z.literal("URL"),
    text: z.string(),
    url: z.string().openapi({
      description: "http(s), at most 2000 characters; may end in `{{1}}`, a suffix supplied at send time",
      example: "https://shop.example/orders/{{1}}",
    }),
    example: z.string().optional().openapi({ description: "A sample suffix for `{{1}}`" }),
  }),
  z.object({
    type: z.literal("PHONE_NUMBER"),
    text: z.string(),
    phoneNumber: z.string().openapi({ example: "+15550051310" }),
  }),
] as const;

export const ButtonSchema = z
  .discriminatedUnion("type", [
    ...SimpleButtons,
    CopyCodeButton,
    z.object({
      type: z.literal("FLOW"),
      text: z.string(),
      flowId: z.string().optional().openapi({ description: "A published WhatsApp Flow's id", example: "1234567890" }),
      flowAction: z.enum(["navigate", "data_exchange"]).optional().openapi({ description: "Default `navigate`" }),
      navigateScreen: z.string().optional().openapi({ description: "The Flow's first screen, with `navigate`" }),
    }),
    z.object({
      type: z.enum(["CATALOG", "MPM"]),
      text: z
        .string()
        .openapi({ description: "`CATALOG` opens the catalog; `MPM` a list of products", example: "View items" }),
    }),
    z.object({
      type: z.literal("OTP"),
      otpType: z.enum(OTP_TYPES).openapi({
        description:
          "`COPY_CODE`: the reader copies the code; `ONE_TAP` / `ZERO_TAP`: it is handed to your Android app",
      }),
      text: z.string().optional(),
      autofillText: z.string().optional().openapi({ description: "`ONE_TAP`: the autofill button's label" }),
      supportedApps: z
        .array(z.object({ packageName: z.string(), signatureHash: z.string() }))
        .optional()
        .openapi({ description: "`ONE_TAP` / `ZERO_TAP`: 1–5 Android apps" }),
      zeroTapTermsAccepted: z.boolean().optional().openapi({ description: "`ZERO_TAP`: must be true" }),
    }),
  ])
  .openapi("TemplateButton", { description: "Button text: 1–25 characters" });
