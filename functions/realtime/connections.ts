// Opening and closing WebSocket connections: $connect authenticates the access token from the query string
// and stores the connection; $disconnect removes it.
import type { Db } from '#shared/db/client.ts';
import { AppError, authenticationRequired, forbidden } from '#shared/errors.ts';
import type { AuthUser } from '#shared/auth/tokens.ts';
import { getUserById, type User } from '#shared/db/entities/user.ts';
import { getFamilyWithUser } from '#shared/db/entities/session.ts';
import { deleteConnection, listConnectionsByUser, newConnection, putConnection, type Connection } from '#shared/db/entities/connection.ts';

export interface ConnectDeps {
  db: Db;
  verifyAccessToken: (token: string) => Promise<AuthUser>;
  /** Most connections one user may hold; past it the oldest are closed. */
  maxConnectionsPerUser: number;
  /** Closes connections of the user being connected (the Management API in production). Never throws. */
  closeConnections: (connections: Connection[]) => Promise<unknown>;
}

const sessionEnded = () => authenticationRequired('This session has ended; sign in again');

/**
 * The user behind the token, if the token may still open a connection: the user exists and, when the token
 * names its session, that session is live (not signed out, not revoked by a password reset, a Google takeover
 * or reuse detection). Without this, an access token outliving its session by up to 15 minutes would reopen
 * the sockets that logout just closed. One BatchGetItem (session + user), or one GetItem without a session.
 */
async function liveUserOf(db: Db, auth: AuthUser): Promise<User> {
  if (!auth.sessionId) {
    const user = await getUserById(db, auth.id);
    if (!user) throw authenticationRequired('Invalid access token');
    return user;
  }
  const { family, user } = await getFamilyWithUser(db, auth.sessionId, auth.id);
  if (!user) throw authenticationRequired('Invalid access token');
  if (!family || family.userId !== user.id || family.revokedAt || family.sessionVersion !== user.sessionVersion) throw sessionEnded();
  return user;
}

/**
 * Accepts a connection for the holder of a valid access token. Browsers cannot set headers on a WebSocket
 * upgrade, hence `?token=`. The token is checked once, here: a connection then lives until API Gateway's
 * 2-hour limit or until its session ends (logout, password reset and suspension close it), so the user's
 * status and session are read too (a suspended user's still-valid token opens nothing). A user past
 * `maxConnectionsPerUser` loses their oldest connections.
 */
export async function openConnection(
  deps: ConnectDeps,
  input: { connectionId: string; token: string | undefined },
  now: Date,
): Promise<Connection> {
  if (!input.token) throw authenticationRequired('Connect with ?token=<access token>');
  const auth = await deps.verifyAccessToken(input.token);
  const user = await liveUserOf(deps.db, auth);
  if (user.status === 'suspended') throw forbidden('This account is suspended');
  const connection = newConnection({ connectionId: input.connectionId, userId: user.id, role: user.role, ...(auth.sessionId ? { sessionId: auth.sessionId } : {}) }, now);
  await putConnection(deps.db, connection);
  await closeOldestBeyondLimit(deps, connection, now);
  return connection;
}

/**
 * Keeps a user at `maxConnectionsPerUser` connections by closing the oldest ones (never the one just opened).
 * The index read is eventually consistent and concurrent connects each trim by what they see, so the bound is
 * a soft one: a burst may exceed it briefly, and the next connect trims again.
 */
async function closeOldestBeyondLimit(deps: ConnectDeps, opened: Connection, now: Date): Promise<void> {
  const others = (await listConnectionsByUser(deps.db, opened.userId, now)).filter((c) => c.connectionId !== opened.connectionId);
  const excess = others.length + 1 - deps.maxConnectionsPerUser;
  if (excess <= 0) return;
  const oldestFirst = others.sort((a, b) => a.connectedAt.localeCompare(b.connectedAt) || a.connectionId.localeCompare(b.connectionId));
  await deps.closeConnections(oldestFirst.slice(0, excess));
}

export async function closeConnection(db: Db, connectionId: string): Promise<void> {
  await deleteConnection(db, connectionId);
}

/** The HTTP status API Gateway answers the refused upgrade with. */
export function connectRefusalStatus(err: unknown): number | undefined {
  return err instanceof AppError && (err.status === 401 || err.status === 403) ? err.status : undefined;
}
