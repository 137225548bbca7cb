// Who hears about a chat: its explicit participants, plus the whole admin team for support chats.
import type { AnyServerEvent } from '#shared/realtime/events.ts';
import type { PushOptions } from '#shared/realtime/push.ts';
import type { Chat } from '#shared/db/entities/chat.ts';
import type { ChatDeps } from './deps.ts';

export interface Audience {
  /** Users reached one by one (all their connections). */
  userIds: string[];
  /** Every connected admin. */
  admins: boolean;
}

/**
 * The audience of a chat event. Message events go to everyone in the chat INCLUDING the actor: an HTTP
 * request does not know which of the actor's connections it came from, so the actor's other tabs learn of
 * the change this way (the sending tab sees its own message echoed and dedupes by message id).
 * Typing events (`excludeUserId`) skip the typer's user id; for support chats the typer, if an admin, is
 * still among "all admins" (minus the typing connection) and clients ignore their own `userId`.
 */
export function audienceOf(chat: Pick<Chat, 'type' | 'participantIds'>, opts: { excludeUserId?: string } = {}): Audience {
  const userIds = chat.participantIds.filter((id) => id !== opts.excludeUserId);
  return { userIds, admins: chat.type === 'support' };
}

/** Pushes to the chat's audience plus `alsoUserId` (the actor); never fails the caller. */
export async function publishToChat(
  deps: ChatDeps,
  chat: Pick<Chat, 'id' | 'type' | 'participantIds'>,
  event: AnyServerEvent,
  opts: { excludeUserId?: string; alsoUserId?: string; actorRole?: string } & PushOptions = {},
): Promise<void> {
  const audience = audienceOf(chat, opts);
  // An admin actor in a support chat is reached through "all admins"; anyone else is added by id.
  if (opts.alsoUserId && !(audience.admins && opts.actorRole === 'admin') && !audience.userIds.includes(opts.alsoUserId)) {
    audience.userIds.push(opts.alsoUserId);
  }
  const push = { exceptConnectionId: opts.exceptConnectionId };
  const jobs: Promise<unknown>[] = [];
  if (audience.userIds.length) jobs.push(deps.push.toUsers(audience.userIds, event, push));
  if (audience.admins) jobs.push(deps.push.toAdmins(event, push));
  const results = await Promise.allSettled(jobs);
  for (const r of results) {
    if (r.status === 'rejected') deps.log.warn('chat push failed', { chatId: chat.id, type: event.type, error: r.reason });
  }
}
