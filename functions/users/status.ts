// An admin sets a user's status. Suspension also revokes every session of the user (the auth refresh
// checks `sessionVersion`); login refuses suspended users.
import type { Db } from '#shared/db/client.ts';
import { changeUserStatus, getUserById, type User, type UserStatus } from '#shared/db/entities/user.ts';
import { conflict, notFound, validationError } from '#shared/errors.ts';
import type { AuthUser } from '#shared/auth/tokens.ts';
import type { Logger } from '#shared/log.ts';

/** Ends a user's open WebSocket connections (injected: the realtime push module in production). */
export type DisconnectUser = (userId: string) => Promise<number>;

export interface StatusRequest {
  status: UserStatus;
  reason?: string;
}

/**
 * Applies the change conditionally on the status the admin's request read. Setting the status a user
 * already has is an idempotent no-op (a retried request succeeds and the counters do not move). An admin
 * cannot change their own status: suspending oneself would lock the last admin out, and nothing else is useful.
 */
export async function setUserStatus(
  db: Db,
  actor: AuthUser,
  userId: string,
  request: StatusRequest,
  now: Date,
  realtime?: { disconnectUser: DisconnectUser; log: Logger },
): Promise<User> {
  if (userId === actor.id) throw validationError('userId', 'admins cannot change their own status', 'You cannot change your own status');
  // Consistent: a stale status would turn "undo the suspension I just made" into a no-op answered 200.
  const user = await getUserById(db, userId, { consistent: true });
  if (!user) throw notFound('User');
  if (user.status === request.status) return user;

  const result = await changeUserStatus(db, user, { status: request.status, reason: request.reason, revokeSessions: request.status === 'suspended' }, now);
  if (result === 'missing') throw notFound('User');
  if (result === 'conflict') {
    throw conflict('The user\'s status was changed by someone else meanwhile; reload and try again', { expectedStatus: user.status });
  }
  // Revoked sessions stop refreshes; open sockets would otherwise keep receiving pushes for up to 2 hours.
  if (request.status === 'suspended' && realtime) {
    await realtime.disconnectUser(userId).catch((err) => realtime.log.warn('could not close the suspended user\'s connections', { userId, error: err }));
  }
  return result;
}
