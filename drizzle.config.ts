import { defineConfig } from "drizzle-kit";

// drizzle-kit writes flat `NNNN_name.sql` files, the layout `wrangler d1 migrations apply` reads;
// its `meta/` folder is bookkeeping for the next `generate` and is ignored by wrangler.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/platform/db/schema/index.ts",
  out: "./migrations",
});
