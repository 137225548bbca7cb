// The push module every domain uses to reach connected clients: it finds the connections of the users
// concerned and posts one frame to each through the API Gateway Management API, a bounded number at a time.
// A push never fails the request that caused it: problems are logged and counted in the result.
import { createManagementApi, type ManagementApi } from '../aws/management-api.ts';
import { getConfig } from '../config.ts';
import { getDb, type Db } from '../db/client.ts';
import { createLogger, type Logger } from '../log.ts';
import { currentMetrics } from '../observability/metrics.ts';
import { DomainMetric } from '../observability/metric-names.ts';
import type { Role } from '../auth/tokens.ts';
import {
  connectionPagesByRole,
  deleteConnection,
  listConnectionsByUser,
  type Connection,
} from '../db/entities/connection.ts';
import { checkEvent, Events, type AnyServerEvent } from './events.ts';
import { WEBSOCKET_LIMITS } from './actions.ts';

export interface PushDeps {
  db: Db;
  /** Management API client; undefined when WEBSOCKET_ENDPOINT is not configured (then pushes are skipped). */
  client: ManagementApi | undefined;
  now: () => Date;
  log: Logger;
  /** How many PostToConnection calls (and per-user lookups) run at once. */
  concurrency: number;
}

export interface PushOptions {
  /** The connection that caused the push (its own tab already shows the change): not sent to. */
  exceptConnectionId?: string;
}

export interface PushResult {
  /** Live connections found for the audience (after `exceptConnectionId`). */
  connections: number;
  sent: number;
  /** Answered 410: the connection was stale and its item has been deleted. */
  gone: number;
  failed: number;
  /** Set when nothing was sent on purpose. */
  skipped?: 'frame_too_large' | 'invalid_event' | 'not_configured';
}

export type Audience = 'all' | 'students' | 'admins';

export const DEFAULT_PUSH_CONCURRENCY = 10;

const clients = new Map<string, ManagementApi>();

/** One Management API client per endpoint per cold start. */
export function getManagementClient(endpoint: string): ManagementApi {
  let client = clients.get(endpoint);
  if (!client) {
    client = createManagementApi({ endpoint });
    clients.set(endpoint, client);
  }
  return client;
}

const defaultLog = createLogger({ component: 'realtime.push' });

/** Fills in the production dependencies for whatever the caller did not inject. */
export function pushDeps(overrides: Partial<PushDeps> = {}): PushDeps {
  const endpoint = 'client' in overrides ? undefined : getConfig().WEBSOCKET_ENDPOINT;
  return {
    db: overrides.db ?? getDb(),
    client: 'client' in overrides ? overrides.client : endpoint ? getManagementClient(endpoint) : undefined,
    now: overrides.now ?? (() => new Date()),
    log: overrides.log ?? defaultLog,
    concurrency: overrides.concurrency ?? DEFAULT_PUSH_CONCURRENCY,
  };
}

// ---- Frames ------------------------------------------------------------------------------------

type Encoded = { ok: true; frame: string } | { ok: false; skipped: 'frame_too_large' | 'invalid_event'; reason: string };

/**
 * Serializes an event after checking it against its definition. Frames over API Gateway's 32 KB limit are
 * refused here rather than sent (API Gateway would reject them): domains keep payloads small (ids and short
 * fields), and a client that misses an event catches up through the REST endpoints.
 */
export function encodeFrame(event: AnyServerEvent): Encoded {
  const check = checkEvent(event);
  if (!check.ok) return { ok: false, skipped: 'invalid_event', reason: check.reason };
  const frame = JSON.stringify({ type: event.type, data: event.data });
  const bytes = Buffer.byteLength(frame, 'utf8');
  if (bytes > WEBSOCKET_LIMITS.maxFrameBytes) {
    return { ok: false, skipped: 'frame_too_large', reason: `${bytes} bytes > ${WEBSOCKET_LIMITS.maxFrameBytes}` };
  }
  return { ok: true, frame };
}

export function isGone(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === 'GoneException' || e?.$metadata?.httpStatusCode === 410;
}

/** Runs `fn` over the items with at most `limit` in flight; `fn` must not throw. */
async function forEachBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

function emptyResult(skipped?: PushResult['skipped']): PushResult {
  return { connections: 0, sent: 0, gone: 0, failed: 0, ...(skipped ? { skipped } : {}) };
}

/** Posts one frame to each connection; a 410 deletes that (stale) connection, other errors are logged. */
async function sendToConnections(connections: Connection[], frame: string, eventType: string, deps: PushDeps, result: PushResult): Promise<void> {
  const client = deps.client!;
  const metrics = currentMetrics();
  result.connections += connections.length;
  await forEachBounded(connections, deps.concurrency, async (c) => {
    try {
      await client.postToConnection(c.connectionId, frame);
      result.sent++;
      metrics.count(DomainMetric.pushesSent);
    } catch (err) {
      if (isGone(err)) {
        result.gone++;
        // The recipient's connection is the stale one; the connection that caused the push is never touched here.
        try {
          await deleteConnection(deps.db, c.connectionId);
          metrics.count(DomainMetric.staleConnectionsRemoved);
        } catch (deleteErr) {
          deps.log.warn('could not delete stale connection', { connectionId: c.connectionId, error: deleteErr });
        }
        return;
      }
      result.failed++;
      deps.log.error('push to connection failed', { connectionId: c.connectionId, userId: c.userId, type: eventType, error: err });
    }
  });
}

function prepare(event: AnyServerEvent, deps: PushDeps): { frame: string } | { result: PushResult } {
  if (!deps.client) {
    deps.log.warn('push skipped: WEBSOCKET_ENDPOINT is not configured', { type: event.type });
    return { result: emptyResult('not_configured') };
  }
  const encoded = encodeFrame(event);
  if (!encoded.ok) {
    deps.log.error('push refused', { type: event.type, reason: encoded.reason, skipped: encoded.skipped });
    // Tests run with VALIDATE_RESPONSES=true: an event that breaks its definition fails them loudly.
    if (encoded.skipped === 'invalid_event' && getConfig().VALIDATE_RESPONSES) {
      throw new Error(`Invalid ${event.type} event: ${encoded.reason}`);
    }
    return { result: emptyResult(encoded.skipped) };
  }
  return { frame: encoded.frame };
}

// ---- Public API --------------------------------------------------------------------------------

/**
 * Sends `event` to every live connection of the given users (all their tabs and devices), except
 * `opts.exceptConnectionId`. Costs one Query per user plus one PostToConnection per connection.
 * Never throws for delivery problems; `deliverToUsers` returns the counts.
 */
export async function pushToUsers(
  userIds: readonly string[],
  event: AnyServerEvent,
  opts: PushOptions = {},
  overrides: Partial<PushDeps> = {},
): Promise<void> {
  await deliverToUsers(userIds, event, opts, overrides);
}

/** Sends `event` to every live connection of a role audience (see deliverToAudience). */
export async function pushToAudience(audience: Audience, event: AnyServerEvent, opts: PushOptions = {}, overrides: Partial<PushDeps> = {}): Promise<void> {
  await deliverToAudience(audience, event, opts, overrides);
}

/** Sends `event` to every connected admin (the support team). */
export async function pushToAdmins(event: AnyServerEvent, opts: PushOptions = {}, overrides: Partial<PushDeps> = {}): Promise<void> {
  await deliverToAudience('admins', event, opts, overrides);
}

/** pushToUsers, returning what happened (connections found, sent, gone, failed). */
export async function deliverToUsers(
  userIds: readonly string[],
  event: AnyServerEvent,
  opts: PushOptions = {},
  overrides: Partial<PushDeps> = {},
): Promise<PushResult> {
  const deps = pushDeps(overrides);
  const prepared = prepare(event, deps);
  if ('result' in prepared) return prepared.result;
  const now = deps.now();
  const connections = new Map<string, Connection>();
  await forEachBounded([...new Set(userIds)], deps.concurrency, async (userId) => {
    try {
      for (const c of await listConnectionsByUser(deps.db, userId, now)) connections.set(c.connectionId, c);
    } catch (err) {
      deps.log.error('could not read connections', { userId, error: err });
    }
  });
  if (opts.exceptConnectionId) connections.delete(opts.exceptConnectionId);
  const result = emptyResult();
  await sendToConnections([...connections.values()], prepared.frame, event.type, deps, result);
  deps.log.debug('pushed', { type: event.type, users: userIds.length, ...result });
  return result;
}

/**
 * Sends `event` to every live connection of a role audience. Reads the role index one page at a time and
 * sends each page before reading the next (see docs/data-model/realtime.md for the cost at scale).
 */
export async function deliverToAudience(
  audience: Audience,
  event: AnyServerEvent,
  opts: PushOptions = {},
  overrides: Partial<PushDeps> = {},
): Promise<PushResult> {
  const deps = pushDeps(overrides);
  const prepared = prepare(event, deps);
  if ('result' in prepared) return prepared.result;
  const roles: Role[] = audience === 'all' ? ['admin', 'student'] : audience === 'admins' ? ['admin'] : ['student'];
  const now = deps.now();
  const result = emptyResult();
  for (const role of roles) {
    try {
      for await (const page of connectionPagesByRole(deps.db, role, now)) {
        const targets = page.filter((c) => c.connectionId !== opts.exceptConnectionId);
        await sendToConnections(targets, prepared.frame, event.type, deps, result);
      }
    } catch (err) {
      deps.log.error('could not read connections', { role, error: err });
    }
  }
  deps.log.debug('pushed', { type: event.type, audience, ...result });
  return result;
}

/**
 * Answers one connection directly (the caller of a WebSocket route, e.g. `pong` or an `error` frame).
 * A 410 here means the caller has just gone away; its own $disconnect removes the item, so nothing is deleted.
 */
export async function replyToConnection(
  connectionId: string,
  event: AnyServerEvent,
  overrides: Partial<PushDeps> = {},
): Promise<'sent' | 'gone' | 'failed' | NonNullable<PushResult['skipped']>> {
  const deps = pushDeps(overrides);
  const prepared = prepare(event, deps);
  if ('result' in prepared) return prepared.result.skipped!;
  try {
    await deps.client!.postToConnection(connectionId, prepared.frame);
    return 'sent';
  } catch (err) {
    if (isGone(err)) return 'gone';
    deps.log.error('reply to connection failed', { connectionId, type: event.type, error: err });
    return 'failed';
  }
}

/**
 * True when the user has at least one live connection item (one Query on gsi1). A connection whose client
 * vanished without a $disconnect still counts until a push meets its 410 or its TTL passes.
 */
export async function isUserConnected(userId: string, overrides: Partial<Pick<PushDeps, 'db' | 'now'>> = {}): Promise<boolean> {
  const db = overrides.db ?? getDb();
  const now = (overrides.now ?? (() => new Date()))();
  return (await listConnectionsByUser(db, userId, now)).length > 0;
}

export type CloseReason = 'signed_out' | 'session_ended' | 'suspended' | 'connection_limit';

const CLOSE_MESSAGES: Record<CloseReason, string> = {
  signed_out: 'You signed out of this session.',
  session_ended: 'This session has ended (the password was reset, or the account was taken over by its Google sign-in, or the session was revoked). Sign in again.',
  suspended: 'This account is suspended.',
  connection_limit: 'This account has too many open connections; this one, the oldest, was closed. Close unused tabs instead of reconnecting it.',
};

/**
 * Closes the given connections: a `connection.closing` frame saying why (so the client does not simply
 * reconnect), then DeleteConnection on the Management API, which ends the socket (API Gateway then runs
 * $disconnect), and the item is deleted here too so nothing is pushed to it meanwhile. Returns how many were
 * open; never throws for delivery problems.
 */
export async function closeConnections(connections: readonly Connection[], reason: CloseReason, overrides: Partial<PushDeps> = {}): Promise<number> {
  const deps = pushDeps(overrides);
  if (!deps.client || connections.length === 0) return 0;
  const client = deps.client;
  const farewell = encodeFrame(Events.ConnectionClosing({ reason, message: CLOSE_MESSAGES[reason] }));
  let closed = 0;
  await forEachBounded(connections, deps.concurrency, async (c) => {
    try {
      if (farewell.ok) await client.postToConnection(c.connectionId, farewell.frame);
      await client.deleteConnection(c.connectionId);
      closed++;
    } catch (err) {
      if (!isGone(err)) deps.log.warn('could not close connection', { connectionId: c.connectionId, userId: c.userId, reason, error: err });
    }
    try {
      await deleteConnection(deps.db, c.connectionId);
    } catch (err) {
      deps.log.warn('could not delete connection', { connectionId: c.connectionId, error: err });
    }
  });
  deps.log.info('closed connections', { reason, connections: connections.length, closed });
  return closed;
}

/**
 * Closes the open connections of a user: all of them, or only those opened with an access token of one
 * session (`sessionId`, a refresh-token family: logout). One Query on gsi1 plus two Management API calls per
 * connection. Returns how many were closed; never throws for delivery problems.
 */
export async function closeUserConnections(
  userId: string,
  options: { sessionId?: string; reason: CloseReason },
  overrides: Partial<PushDeps> = {},
): Promise<number> {
  const deps = pushDeps(overrides);
  if (!deps.client) return 0;
  const connections = await listConnectionsByUser(deps.db, userId, deps.now());
  const targets = options.sessionId ? connections.filter((c) => c.sessionId === options.sessionId) : connections;
  return closeConnections(targets, options.reason, deps);
}

/** Closes every open connection of a suspended user (see closeUserConnections). */
export async function disconnectUser(userId: string, overrides: Partial<PushDeps> = {}): Promise<number> {
  return closeUserConnections(userId, { reason: 'suspended' }, overrides);
}
