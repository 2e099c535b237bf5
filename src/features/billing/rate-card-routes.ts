import { createRoute } from "@hono/zod-openapi";
import { requireAdmin } from "../../platform/auth/admin";
import { router } from "../../platform/http/context";
import { AdminSecurity, errorResponses, jsonBody, jsonContent } from "../../platform/http/openapi";
import { type RateRow, readRateCard, replaceRateCard } from "./rate-card";
import { RateCardBody, RateCardResponse } from "./schemas";

const toCard = (rows: RateRow[]) => ({
  currency: rows[0]?.currency ?? null,
  rates: rows.map((r) => ({
    category: r.category,
    market: r.market,
    price: r.priceMicros / 1_000_000,
    effectiveFrom: new Date(r.effectiveFrom).toISOString().slice(0, 10),
  })),
});

const read = createRoute({
  method: "get",
  path: "/",
  tags: ["Admin"],
  summary: "The rate card",
  description: "What Meta charges per delivered message, by category, market and effective day (operator token).",
  security: AdminSecurity,
  responses: { 200: jsonContent(RateCardResponse, "The card; empty until set"), ...errorResponses(401) },
});

const replace = createRoute({
  method: "put",
  path: "/",
  tags: ["Admin"],
  summary: "Set the rate card",
  description:
    "Replaces the whole card. Each rate is a price per delivered message of a category in a market — a country (`IN`), `+<calling code>`, or `*` for every market without its own — from a UTC day on (Meta changes rates at quarter starts: add the new quarter's rates beside the old ones). Billing reports (`GET /v1/runs/{runId}/billing`, `GET /v1/campaigns/{campaignId}/billing`) price each message at the rate in effect on the day it was delivered. An empty `rates` clears the card.",
  security: AdminSecurity,
  request: jsonBody(RateCardBody),
  responses: { 200: jsonContent(RateCardResponse, "The card as stored"), ...errorResponses(400, 401, 413) },
});

export const rateCardRoutes = router(requireAdmin)
  .openapi(read, async (c) => c.json(toCard(await readRateCard(c.var.db)), 200))
  .openapi(replace, async (c) => {
    const { currency, rates } = c.req.valid("json");
    const stored = await replaceRateCard(
      c.var.db,
      rates.map((r) => ({
        category: r.category,
        market: r.market,
        currency,
        priceMicros: Math.round(r.price * 1_000_000),
        effectiveFrom: Date.parse(`${r.effectiveFrom}T00:00:00Z`),
      })),
    );
    c.var.log.info("rate card set", { rates: stored.length, currency });
    return c.json(toCard(stored), 200);
  });
