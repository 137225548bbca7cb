// What GET /admin/system-logs reads: the functions' structured log lines, filtered by level, function and time,
// oldest first, a page at a time behind one opaque cursor. Two implementations, picked by configuration
// (source.ts): the functions' CloudWatch log groups (cloudwatch.ts) and the local stack's files (files.ts).
import { LOG_LEVELS, logLevelRank, type LogLevel } from '../log.ts';
import { validationError } from '../errors.ts';

export interface LogEntry {
  /** Unique within the source (CloudWatch eventId, or `<service>:<line>` locally). */
  id: string;
  timestamp: string;
  level: LogLevel;
  /** The function (endpoint group) that wrote it. */
  service: string;
  message: string;
  requestId: string | null;
  /** Every other field of the line (already redacted by the logger). */
  fields: Record<string, unknown>;
}

export interface LogQuery {
  /** Functions to read; every function the source knows when empty. */
  services: string[];
  /** The least severe level shown: `warn` shows warn and error. */
  level?: LogLevel;
  /** Epoch milliseconds, inclusive. */
  from: number;
  to: number;
  limit: number;
  cursor?: string;
}

export interface LogPage {
  entries: LogEntry[];
  nextCursor?: string;
}

export interface LogReader {
  /** The functions whose logs this source holds. */
  services(): string[];
  read(query: LogQuery): Promise<LogPage>;
}

/** Levels a query shows: its level and the more severe ones (all without one). */
export const levelsFrom = (level?: LogLevel): LogLevel[] => (level ? LOG_LEVELS.filter((l) => logLevelRank(l) >= logLevelRank(level)) : [...LOG_LEVELS]);

/**
 * One log line as an entry, or null when it is not one of our structured lines: Lambda's platform lines
 * (START/END/REPORT), metric-only lines (Embedded Metric Format: an `_aws` key), anything without a level and a message.
 */
export function entryOf(raw: string, id: string, service: string, fallbackTime: number): LogEntry | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.trim());
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const { level, time, message, requestId, _aws, service: _service, ...fields } = parsed as Record<string, unknown>;
  void _service;
  if (_aws !== undefined || typeof message !== 'string' || !(LOG_LEVELS as readonly unknown[]).includes(level)) return null;
  const at = typeof time === 'string' && !Number.isNaN(Date.parse(time)) ? Date.parse(time) : fallbackTime;
  return {
    id,
    timestamp: new Date(at).toISOString(),
    level: level as LogLevel,
    service,
    message,
    requestId: typeof requestId === 'string' ? requestId : null,
    fields,
  };
}

/**
 * The composite cursor: opaque base64url JSON holding each source's positions and the time window of the first
 * page (so a walk without dateTo keeps the `now` it started at), tied to the level and services it continues.
 */
export function encodeLogCursor(query: LogQuery, positions: unknown): string {
  return Buffer.from(JSON.stringify({ q: fingerprint(query), f: query.from, t: query.to, p: positions })).toString('base64url');
}

/** The query to run (its window taken from the cursor when there is one) and the positions to resume from. */
export function resumeLogQuery<T>(query: LogQuery): { query: LogQuery; positions?: T } {
  if (!query.cursor) return { query };
  let decoded: { q?: unknown; f?: unknown; t?: unknown; p?: unknown };
  try {
    decoded = JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8'));
  } catch {
    throw validationError('cursor', 'cursor is malformed');
  }
  if (!decoded || typeof decoded !== 'object' || typeof decoded.f !== 'number' || typeof decoded.t !== 'number' || typeof decoded.p !== 'object' || decoded.p === null) {
    throw validationError('cursor', 'cursor is malformed');
  }
  if (decoded.q !== fingerprint(query)) {
    throw validationError('cursor', 'cursor belongs to other filters (send the same level and service as for the first page)');
  }
  return { query: { ...query, from: decoded.f, to: decoded.t }, positions: decoded.p as T };
}

const fingerprint = (q: LogQuery) => [q.level ?? '', [...q.services].sort().join(',')].join('|');
