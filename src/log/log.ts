/**
 * Structured JSON logs, one object per line on stdout (stderr for errors), so that
 * `kubectl logs` output can be filtered with jq and shipped by any log agent.
 *
 * @module
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger bound to a set of fields, e.g. the component or the engine being reconciled. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** Where lines go; tests pass an array sink to assert on log output. */
export type LogSink = (line: string, level: LogLevel) => void;

const consoleSink: LogSink = (line, level) => {
  if (level === "error") console.error(line);
  else console.log(line);
};

/** Returns true when `value` names a log level. */
export function isLogLevel(value: string): value is LogLevel {
  return value in LEVELS;
}

/** Creates a JSON logger that drops lines below `level`. */
export function createLogger(
  level: LogLevel = "info",
  base: LogFields = {},
  sink: LogSink = consoleSink,
): Logger {
  const min = LEVELS[level];
  const write = (lvl: LogLevel, msg: string, fields?: LogFields) => {
    if (LEVELS[lvl] < min) return;
    const entry: LogFields = { time: new Date().toISOString(), level: lvl, msg, ...base, ...fields };
    for (const [k, v] of Object.entries(entry)) {
      // Errors stringify to {} by default; keep the message, never the stack (it may leak paths to API callers).
      if (v instanceof Error) entry[k] = v.message;
    }
    sink(JSON.stringify(entry), lvl);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger(level, { ...base, ...fields }, sink),
  };
}
