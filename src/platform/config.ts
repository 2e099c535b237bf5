import { z } from "zod";
import { isValidEncryptionKey } from "./sealed-secrets";

/** A comma-separated list of keywords, upper-cased, without blanks or repeats. */
const keywordList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((list) => [
      ...new Set(
        list
          .split(",")
          .map((k) => k.trim().toUpperCase())
          .filter(Boolean),
      ),
    ]);

/** A host a setting names: `hostname` as the URL parser spells it, `port` null for any port. */
export interface HostEntry {
  hostname: string;
  port: string | null;
}

const HOST_ENTRY = /^(\[[^\]]*\]|[^:[\]]+)(?::(\d{1,5}))?$/;

function parseHostEntry(entry: string): HostEntry | null {
  const match = HOST_ENTRY.exec(entry);
  if (!match) return null;
  const port = match[2] === undefined ? null : Number(match[2]);
  if (port !== null && (port < 1 || port > 65_535)) return null;
  let url: URL;
  try {
    url = new URL(`http://${match[1]}/`);
  } catch {
    return null;
  }
  // Anything the parser read as more than a host (a user, a path) is not a host entry.
  if (url.username !== "" || url.password !== "" || url.pathname !== "/" || url.search || url.hash) return null;
  return { hostname: url.hostname, port: port === null ? null : String(port) };
}

/** A comma-separated list of `host` or `host:port` entries; an entry that is neither is an error. */
const hostList = z
  .string()
  .default("")
  .transform((list, ctx) => {
    const entries = list
      .split(",")
      .map((e) => e.trim())
      .filter(Boolean);
    const parsed = entries.map(parseHostEntry);
    const bad = parsed.indexOf(null);
    // The message names the entry's position, not its text: config errors never echo values.
    if (bad >= 0) ctx.addIssue({ code: "custom", message: `entry ${bad + 1} is not a host or host:port` });
    return parsed.filter((e): e is HostEntry => e !== null);
  });

// Vars and secrets are read here and nowhere else, so a misconfigured deployment fails with
// one clear message instead of odd behaviour deep in a handler.
const ConfigSchema = z.object({
  WHATSAPP_PROVIDER: z.enum(["sandbox", "meta"]).default("sandbox"),
  GRAPH_API_BASE_URL: z.url().default("https://graph.facebook.com"),
  GRAPH_API_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, "must look like v26.0")
    .default("v26.0"),
  // How long a Graph API call may take. A send that outlives it may still have reached Meta: it
  // waits for Meta's status webhook and is never sent again on a guess (docs/delivery-pipeline.md).
  GRAPH_API_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  MAX_SEND_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  // Contacts per page of a broadcast run's fan-out. 500 is the default and the most a page may
  // hold (src/features/runs/fanout.ts says why); smaller pages only make small audiences span
  // several pages and jobs, which the tests rely on.
  FANOUT_PAGE_SIZE: z.coerce.number().int().min(1).max(500).default(500),
  // Meta has not delivered marketing templates to US (+1, US area code) numbers since April 2025:
  // while "1", such sends are skipped with a reason instead of being sent to fail. Set "0" once
  // Meta lifts the pause.
  US_MARKETING_PAUSED: z
    .enum(["0", "1"])
    .default("1")
    .transform((v) => v === "1"),
  // Where new broadcast runs keep their messages: "object" (each run's own Durable Object,
  // src/features/run-ledger; docs/scaling.md#past-one-database) or "d1" (the messages table). A
  // project's own choice (projects.run_messages) comes first. A run keeps its choice for life.
  RUN_MESSAGES: z.enum(["d1", "object"]).default("object"),
  // Where API campaigns' sends keep their messages: "object" (one Durable Object per campaign and
  // UTC day, src/features/api-days; docs/scaling.md#past-one-database, step 5) or "d1". A project's
  // own choice (projects.api_messages) comes first. A message stays where it was recorded.
  API_MESSAGES: z.enum(["d1", "object"]).default("object"),
  // The database's ceiling (D1's 10 GB on Workers Paid) and when to warn before it: at this share of
  // it, or when the growth of the last week would reach it within this many days
  // (docs/scaling.md#warning-before-the-ceiling). A lower ceiling suits a plan with a smaller one.
  STORAGE_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(10 * 1000 ** 3),
  STORAGE_WARN_RATIO: z.coerce.number().gt(0).max(1).default(0.8),
  STORAGE_WARN_DAYS: z.coerce.number().min(0).default(14),
  // While the warning holds, what finished more than this many days ago is archived to R2 in
  // every project whose own retention is longer (docs/archive.md).
  STORAGE_EARLY_ARCHIVE_DAYS: z.coerce.number().int().min(1).default(7),
  // Benchmarks only: report D1 round trips per request in an X-D1-Round-Trips header.
  DEBUG_D1_COUNT: z
    .enum(["0", "1"])
    .default("0")
    .transform((v) => v === "1"),
  // Whole inbound text messages (trimmed, any case) that opt a contact out of or back into
  // marketing; comma-separated. A word in both lists opts out.
  OPT_OUT_KEYWORDS: keywordList("STOP,UNSUBSCRIBE"),
  OPT_IN_KEYWORDS: keywordList("START"),
  // Local development only (.dev.vars): hosts the media check may request although they are
  // local or private, so a media template can be tried against a file server on this machine.
  DEV_MEDIA_HOSTS: hostList,
  // The origin (https://campaigns.example.com) a tracked url button leads through (`/l/{token}`),
  // when the Worker answers at a name other than the one its API is called at. Unset or empty: the
  // origin of the request that creates the campaign.
  PUBLIC_URL: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .url({ protocol: /^https?$/ })
      .transform((url) => new URL(url).origin)
      .optional(),
  ),
  // Cloudflare Access in front of the operator's pages (docs/dashboard.md#cloudflare-access): the
  // team's domain (https://<team>.cloudflareaccess.com) and the Access application's audience tag.
  // Both or neither; unset, only the operator token signs in.
  ACCESS_TEAM_DOMAIN: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .url({ protocol: /^https$/ })
      .transform((url) => new URL(url).origin)
      .optional(),
  ),
  ACCESS_AUD: z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).max(200).optional()),
  ADMIN_TOKEN: z.string().min(16, "must be set (wrangler secret put ADMIN_TOKEN) and at least 16 characters"),
  ENCRYPTION_KEY: z
    .string()
    .refine(
      isValidEncryptionKey,
      "must be 32 random bytes in base64 (openssl rand -base64 32 | wrangler secret put ENCRYPTION_KEY)",
    ),
});

// Access needs both its team and its audience: one without the other would quietly never match.
const CheckedConfig = ConfigSchema.superRefine((config, ctx) => {
  if ((config.ACCESS_TEAM_DOMAIN === undefined) !== (config.ACCESS_AUD === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["ACCESS_AUD"],
      message: "set both ACCESS_TEAM_DOMAIN and ACCESS_AUD, or neither",
    });
  }
});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

const cache = new WeakMap<object, Config>();

export function readConfig(env: Env): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = CheckedConfig.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new ConfigError(`invalid Worker configuration: ${problems}`);
  }
  cache.set(env, parsed.data);
  return parsed.data;
}
