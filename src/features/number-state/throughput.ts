import { and, eq, inArray, sql } from "drizzle-orm";
import { type Config, readConfig } from "../../platform/config";
import { createDb, type Db } from "../../platform/db/client";
import { whatsappAccounts } from "../../platform/db/schema";
import { createLogger, type Logger, logLevel } from "../../platform/log";
import { forgetAccount } from "../../whatsapp/accounts";
import { providerFor } from "../../whatsapp/select";
import { normalizeTier } from "../messaging-limit/tiers";

// The number's throughput as Meta reports it (`GET /{phone-number-id}?fields=throughput`, read with the
// portfolio's messaging limit tier, which goes to the account's `messaging_limit`), and the
// send cap that follows: HIGH lets the number send 1,000 messages a second, anything else keeps
// Meta's default 80 — unless an operator typed the cap, which then stays. Kept in the account row's
// `number_state` JSON beside what the quality webhook said (flat keys, so each writer sets only its
// own with json_set); the cap in force is the row's `throughput`, which every send and feed hands
// the number's SendGovernor (docs/pacing.md#throughput-tiers).

/** Messages a second for each level; a level not listed (NOT_APPLICABLE, a new one) keeps the default. */
export const LEVEL_CAPS: Record<string, number> = { STANDARD: 80, HIGH: 1000 };
export const DEFAULT_CAP = 80;
/** The cron reads each Meta number at most this often, and at most CRON_READS numbers a minute. */
export const READ_EVERY_MS = 60 * 60_000;
export const CRON_READS = 10;

export type CapSource = "operator" | "meta";

/** The keys this module keeps in `number_state`. */
export interface StoredThroughput {
  throughputLevel?: string;
  throughputReadAt?: number;
  /** Absent on accounts set before Meta's level was read: see `capSource`. */
  throughputFrom?: CapSource;
  /** When the cron last asked, whatever the answer: a number whose reads fail waits its hour too. */
  throughputTriedAt?: number;
}

/** This module's keys of a stored `number_state`, for a writer that replaces the rest. */
export function keptThroughput(numberState: unknown): StoredThroughput {
  const state = (numberState ?? {}) as StoredThroughput;
  const kept: StoredThroughput = {};
  if (state.throughputLevel !== undefined) kept.throughputLevel = state.throughputLevel;
  if (state.throughputReadAt !== undefined) kept.throughputReadAt = state.throughputReadAt;
  if (state.throughputFrom !== undefined) kept.throughputFrom = state.throughputFrom;
  if (state.throughputTriedAt !== undefined) kept.throughputTriedAt = state.throughputTriedAt;
  return kept;
}

export const capFor = (level: string | null | undefined) =>
  (level ? LEVEL_CAPS[level.toUpperCase()] : undefined) ?? DEFAULT_CAP;

/**
 * Who set the cap in force. Accounts set before the level was read never said; one whose cap is
 * not Meta's default had it typed by an operator, and keeps it.
 */
export function capSource(state: StoredThroughput | null, throughput: number): CapSource {
  return state?.throughputFrom ?? (throughput === DEFAULT_CAP ? "meta" : "operator");
}

/** The same decision in SQL, so a read never overwrites a cap an operator set a moment before. */
const operatorSetSql = sql`coalesce(json_extract(${whatsappAccounts.numberState}, '$.throughputFrom'),
  case when ${whatsappAccounts.throughput} = ${DEFAULT_CAP} then 'meta' else 'operator' end) = 'operator'`;

export function throughputView(row: { numberState: unknown; throughput: number }) {
  const state = row.numberState as StoredThroughput | null;
  return {
    throughputSource: capSource(state, row.throughput),
    ...(state?.throughputLevel && state.throughputReadAt !== undefined
      ? { metaThroughput: { level: state.throughputLevel, readAt: new Date(state.throughputReadAt).toISOString() } }
      : {}),
  };
}

export interface ThroughputDeps {
  db: Db;
  log: Logger;
  config: Config;
  events: Queue;
}

export type ThroughputRead =
  | { ok: true; level: string; throughput: number; source: CapSource }
  | { ok: false; reason: string };

/**
 * Reads the number's level from its provider and stores it, with the cap it allows unless an
 * operator set one. A read that fails changes nothing and is logged.
 */
export async function readThroughput(deps: ThroughputDeps, projectId: string): Promise<ThroughputRead> {
  const row = await deps.db.select().from(whatsappAccounts).where(eq(whatsappAccounts.projectId, projectId)).get();
  if (!row) return { ok: false, reason: "no account" };
  let answer: Awaited<ReturnType<Awaited<ReturnType<typeof providerFor>>["readNumber"]>>;
  try {
    const provider = await providerFor(
      {
        projectId,
        provider: row.provider,
        phoneNumberId: row.phoneNumberId,
        wabaId: row.wabaId,
        throughput: row.throughput,
        marketingMessagesApi: row.marketingMessagesApi,
        appId: row.appId,
        accessTokenEnc: row.accessTokenEnc,
        appSecretEnc: row.appSecretEnc,
      },
      { config: deps.config, events: deps.events },
    );
    answer = await provider.readNumber();
  } catch (err) {
    deps.log.warn("throughput read failed", { projectId, err });
    return { ok: false, reason: String(err) };
  }
  if (!answer.ok) {
    deps.log.warn("throughput read failed", { projectId, phoneNumberId: row.phoneNumberId, error: answer.error });
    return { ok: false, reason: answer.error.message };
  }
  const cap = capFor(answer.level);
  // The portfolio's messaging limit comes with the same read (src/features/messaging-limit); an
  // answer without it keeps the tier the webhooks gave.
  const tier = normalizeTier(answer.messagingLimit);
  const updated = await deps.db
    .update(whatsappAccounts)
    .set({
      ...(tier === null ? {} : { messagingLimit: tier }),
      // The source is written down too: an account set before it was kept would otherwise read as
      // the operator's once Meta's level moved its cap off the default.
      numberState: sql`json_set(coalesce(${whatsappAccounts.numberState}, '{}'),
        '$.throughputLevel', ${answer.level}, '$.throughputReadAt', ${Date.now()},
        '$.throughputFrom', case when ${operatorSetSql} then 'operator' else 'meta' end)`,
      throughput: sql`case when ${operatorSetSql} then ${whatsappAccounts.throughput} else ${cap} end`,
    })
    // The number it was read for: a PUT that moved the project to another number meanwhile wins.
    .where(and(eq(whatsappAccounts.projectId, projectId), eq(whatsappAccounts.phoneNumberId, row.phoneNumberId)))
    .returning({ throughput: whatsappAccounts.throughput, numberState: whatsappAccounts.numberState })
    .get();
  forgetAccount(projectId);
  if (!updated) return { ok: false, reason: "the account changed number during the read" };
  const source = capSource(updated.numberState as StoredThroughput | null, updated.throughput);
  if (updated.throughput !== row.throughput) {
    deps.log.info("throughput cap changed", {
      projectId,
      level: answer.level,
      from: row.throughput,
      to: updated.throughput,
    });
  }
  return { ok: true, level: answer.level, throughput: updated.throughput, source };
}

/**
 * The every-minute cron's share: up to CRON_READS Meta numbers not asked within the hour, the
 * longest unasked first. One small scan of the accounts table, one update, then the reads side by side.
 */
export async function readDueThroughputs(deps: ThroughputDeps, now = Date.now()): Promise<number> {
  const last = sql<number>`max(coalesce(json_extract(${whatsappAccounts.numberState}, '$.throughputReadAt'), 0),
    coalesce(json_extract(${whatsappAccounts.numberState}, '$.throughputTriedAt'), 0))`;
  const due = await deps.db
    .select({ projectId: whatsappAccounts.projectId })
    .from(whatsappAccounts)
    .where(and(eq(whatsappAccounts.provider, "meta"), sql`${last} < ${now - READ_EVERY_MS}`))
    .orderBy(last)
    .limit(CRON_READS)
    .all();
  if (due.length === 0) return 0;
  const ids = due.map((d) => d.projectId);
  await deps.db
    .update(whatsappAccounts)
    .set({
      numberState: sql`json_set(coalesce(${whatsappAccounts.numberState}, '{}'), '$.throughputTriedAt', ${now})`,
    })
    .where(inArray(whatsappAccounts.projectId, ids));
  const reads = await Promise.all(ids.map((id) => readThroughput(deps, id)));
  return reads.filter((r) => r.ok).length;
}

/** The every-minute cron's entry (src/index.ts). */
export async function sweepThroughputs(env: Env, now = Date.now()): Promise<number> {
  const log = createLogger({ task: "throughput" }, logLevel(env));
  return readDueThroughputs({ db: createDb(env.DB), log, config: readConfig(env), events: env.EVENTS }, now);
}

/**
 * After a `phone_number_quality_update` or `account_update` was applied: Meta often moves a number's
 * throughput with its tier, so the level is read again at once. Needs the Worker's own env (the
 * events consumer has it); a failure is logged and the webhook stays applied.
 */
export async function readAfterWebhook(deps: { db: Db; log: Logger; env?: object }, projectId: string) {
  const env = deps.env as Partial<Env> | undefined;
  if (!env?.ENCRYPTION_KEY || !env.EVENTS) return;
  try {
    await readThroughput({ db: deps.db, log: deps.log, config: readConfig(env as Env), events: env.EVENTS }, projectId);
  } catch (err) {
    deps.log.warn("throughput read after webhook failed", { projectId, err });
  }
}
