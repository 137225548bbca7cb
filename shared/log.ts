// Structured JSON logs, one line per event, always carrying the request id when there is one. Secrets never
// reach a line: fields named like one are replaced, and token-shaped values are masked wherever they appear
// (messages, error texts, URLs), so GET /admin/system-logs can hand lines to admins as they are.
import { traceRoot } from './observability/trace-header.ts';

const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
type Level = Exclude<keyof typeof levels, 'silent'>;
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const satisfies readonly Level[];
export type LogLevel = (typeof LOG_LEVELS)[number];
export const logLevelRank = (level: LogLevel) => levels[level];

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/**
 * Where lines go. In AWS, stdout/stderr (the function's CloudWatch log group). The local stack, which runs every
 * function in one process, installs a sink that also files each line under its function (infra/local/logs.ts).
 */
export type LogSink = (line: string, level: Level, base: Record<string, unknown>) => void;

const consoleSink: LogSink = (line, level) => (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line + '\n');
let sink: LogSink = consoleSink;

/** For the local stack only (infra/local): every function's lines go through `next`. */
export function setLogSink(next: LogSink | undefined): void {
  sink = next ?? consoleSink;
}

/** A line that is not a log event (an embedded-metric line: observability/metrics.ts) through the same sink. */
export function writeLine(line: string, base: Record<string, unknown>): void {
  if (threshold() >= levels.silent) return; // LOG_LEVEL=silent (tests, benches) silences metric lines too
  sink(line, 'info', base);
}

function threshold(): number {
  const name = (process.env.LOG_LEVEL ?? 'info') as keyof typeof levels;
  return levels[name] ?? levels.info;
}

export function createLogger(base: Record<string, unknown> = {}): Logger {
  const write = (level: Level, message: string, fields?: Record<string, unknown>) => {
    if (levels[level] < threshold()) return;
    // The X-Ray trace of the invocation, when it is traced: from a log line to its trace (docs/operations.md).
    const traceId = traceRoot();
    const line = JSON.stringify({ level, time: new Date().toISOString(), message, ...base, ...fields, ...(traceId ? { traceId } : {}) }, replacer);
    sink(line, level, base);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }),
  };
}

export const REDACTED = '[redacted]';

/** Field names whose values are secrets whatever they hold (passwords, tokens, signing and client secrets, auth headers). */
const SECRET_KEY =
  /^(?:authorization|cookie|set-cookie|stripe-signature|signature|token|tokens|secret|client_secret|clientsecret)$|password|passwd|secret|token(?!type|version|count|s?expires)|apikey|api_key|privatekey/i;

/** Token-shaped values inside any string: JWTs, Stripe keys and secrets, and `token=`-like query parameters. */
const SECRET_VALUES: [RegExp, string][] = [
  [/eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]+/g, REDACTED],
  [/\b(?:sk|rk)_(?:test|live)_[\w]+/g, REDACTED],
  [/\bwhsec_[\w+/=-]+/g, REDACTED],
  [/\b(pi|seti|pm)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+/g, REDACTED],
  [/([?&;](?:token|access_token|refresh_token|id_token|code|reset_token|password)=)[^&\s"'#]+/gi, `$1${REDACTED}`],
  [/\b(Bearer\s+)[\w.~+/-]+=*/gi, `$1${REDACTED}`],
];

export function redactString(value: string): string {
  let out = value;
  for (const [pattern, replacement] of SECRET_VALUES) out = out.replace(pattern, replacement);
  return out;
}

function replacer(key: string, value: unknown) {
  if (key && SECRET_KEY.test(key) && value !== null && value !== undefined && typeof value !== 'boolean' && typeof value !== 'number') return REDACTED;
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (typeof value === 'string') return redactString(value);
  return value;
}

export const logger = createLogger();
