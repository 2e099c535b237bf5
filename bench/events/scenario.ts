// The events benchmark's conditions, read from the environment by its vitest config (Node side)
// and handed to the test inside workerd through vitest's provide/inject.

export interface EventsScenario {
  /** Messages of one broadcast run whose statuses (sent, delivered, read) are queued. */
  messages: number;
  /** Events consumer invocations allowed at once (Cloudflare scales a consumer out on a backlog). */
  concurrency: number;
}

declare module "vitest" {
  export interface ProvidedContext {
    eventsScenario: EventsScenario;
  }
}

function whole(vars: Record<string, string | undefined>, name: string, fallback: number) {
  const raw = vars[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a whole number above 0, got "${raw}"`);
  return value;
}

export function eventsScenario(vars: Record<string, string | undefined>): EventsScenario {
  return {
    messages: whole(vars, "BENCH_EVENTS_MESSAGES", 10_000),
    concurrency: whole(vars, "BENCH_EVENTS_CONCURRENCY", 10),
  };
}
