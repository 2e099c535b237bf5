type Level = "debug" | "info" | "warn" | "error";
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// Keys whose values must never reach a log line, whatever the caller passes.
const SECRET_KEYS = /^(api_?key|key|authorization|password)$|token|secret/i;
// A run of 7–15 digits standing alone looks like a phone number; digits inside ids do not.
const LONG_DIGITS = /(?<![\w-])\+?\d{7,15}(?![\w-])/g;

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.replace(LONG_DIGITS, (m) => `${m.slice(0, 3)}…${m.slice(-2)}`);
  if (value === null || typeof value !== "object") return value;
  // Past this depth nothing is inspected, so nothing is written either: a secret could hide there.
  if (depth > 4) return "[too deep]";
  if (value instanceof Error) return { name: value.name, message: scrub(value.message, depth + 1) };
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.test(k) ? "[redacted]" : scrub(v, depth + 1)]),
  );
}

/** The configured level, read leniently: a bad LOG_LEVEL must not stop a queue consumer. */
export function logLevel(env: { LOG_LEVEL?: string }): Level {
  const level = env.LOG_LEVEL as Level | undefined;
  return level && level in ORDER ? level : "info";
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Structured JSON lines; phone numbers are shortened and secret-named fields redacted. */
export function createLogger(base: Record<string, unknown> = {}, minLevel: Level = "info"): Logger {
  return new JsonLogger(base, minLevel);
}

// A class rather than closures: every request builds a logger, and its methods are then shared.
class JsonLogger implements Logger {
  constructor(
    private readonly base: Record<string, unknown>,
    private readonly minLevel: Level,
  ) {}

  debug(msg: string, fields?: Record<string, unknown>) {
    this.write("debug", msg, fields);
  }

  info(msg: string, fields?: Record<string, unknown>) {
    this.write("info", msg, fields);
  }

  warn(msg: string, fields?: Record<string, unknown>) {
    this.write("warn", msg, fields);
  }

  error(msg: string, fields?: Record<string, unknown>) {
    this.write("error", msg, fields);
  }

  private write(level: Level, msg: string, fields: Record<string, unknown> = {}) {
    if (ORDER[level] < ORDER[this.minLevel]) return;
    // level, msg and time belong to the line: a field of the same name must not overwrite them. The
    // message is scrubbed too, since a number interpolated into it leaks as much as one in a field.
    const {
      level: _level,
      msg: _msg,
      time: _time,
      ...rest
    } = scrub({ ...this.base, ...fields }) as Record<string, unknown>;
    const line = JSON.stringify({ level, msg: scrub(msg), ...rest, time: new Date().toISOString() });
    if (level === "error") console.error(line);
    else if (level === "warn") console.warn(line);
    else console.log(line);
  }
}
