// Opening and closing WebSocket connections: $connect authenticates the access token from the query string
// and stores the connection; $disconnect removes it.
import type { Db } from '#shared/db/client.ts';
import { AppError, authenticationRequired, forbidden } from '#shared/errors.ts';
import type { AuthUser } from '#shared/auth/tokens.ts';
import { getUserById } from '#shared/db/entities/user.ts';
import { deleteConnection, newConnection, putConnection, type Connection } from '#shared/db/entities/connection.ts';

export interface ConnectDeps {
  db: Db;
  verifyAccessToken: (token: string) => Promise<AuthUser>;
}

/**
 * Accepts a connection for the holder of a valid access token. Browsers cannot set headers on a WebSocket
 * upgrade, hence `?token=`. The token is checked once, here: a connection then lives until API Gateway's
 * 2-hour limit, so the user's status is read too (a suspended user's still-valid token opens nothing).
 */
export async function openConnection(
  deps: ConnectDeps,
  input: { connectionId: string; token: string | undefined },
  now: Date,
): Promise<Connection> {
  if (!input.token) throw authenticationRequired('Connect with ?token=<access token>');
  const auth = await deps.verifyAccessToken(input.token);
  const user = await getUserById(deps.db, auth.id);
  if (!user) throw authenticationRequired('Invalid access token');
  if (user.status === 'suspended') throw forbidden('This account is suspended');
  const connection = newConnection({ connectionId: input.connectionId, userId: user.id, role: user.role }, now);
  await putConnection(deps.db, connection);
  return connection;
}

export async function closeConnection(db: Db, connectionId: string): Promise<void> {
  await deleteConnection(db, connectionId);
}

/** The HTTP status API Gateway answers the refused upgrade with. */
export function connectRefusalStatus(err: unknown): number | undefined {
  return err instanceof AppError && (err.status === 401 || err.status === 403) ? err.status : undefined;
}
