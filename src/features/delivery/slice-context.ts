import type { Db } from "../../platform/db/client";
import type { Transition } from "../../platform/db/schema";
import type { Logger } from "../../platform/log";
import type { WhatsAppProvider } from "../../whatsapp/provider";
import type { ResolvedAccount } from "../../whatsapp/select";
import type { Gate } from "./gate";
import type { Governor } from "./pacing";

/** What sending one project's slices needs; `transitions` collects what they changed. */
export interface SliceContext {
  db: Db;
  log: Logger;
  /** Queues a template hold's followers use (./template-hold.ts), and runs' own ledgers. */
  env: Pick<Env, "JOBS" | "SENDS" | "RUN_LEDGER">;
  account: ResolvedAccount;
  provider: WhatsAppProvider;
  governor: Governor;
  gate: Gate;
  maxSendAttempts: number;
  transitions: (Transition | null)[];
}
