import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { apiKeys } from "./projects";

/**
 * A dashboard sign-in: a project API key or the operator token exchanged for a short-lived cookie.
 * Only the SHA-256 of the cookie's random token is kept, as for API keys. A key session names its
 * key, so revoking the key ends the session; an operator session (`kind` admin) names none.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["key", "admin"] }).notNull(),
    keyId: text("key_id").references(() => apiKeys.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("sessions_expiry").on(t.expiresAt)],
);
