// Typing indicators. Over the socket (`{"action":"chat.typing"}`, relayed by functions/realtime through
// relayTyping) or over HTTP for clients without one. Either way a short-lived TYPING item records who is
// typing (so GET /chats/{chatId}/typing answers for both kinds of client) and `chat.typing` is pushed to the
// other participants.
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '#shared/db/client.ts';
import type { AuthUser, Role } from '#shared/auth/tokens.ts';
import { TYPING_TTL_SECONDS } from '#shared/contract/chats.ts';
import { chatKeys, type Chat } from '#shared/db/entities/chat.ts';
import { Events } from '#shared/realtime/events.ts';
import { createLogger } from '#shared/log.ts';
import { defaultChatDeps, type ChatDeps } from './deps.ts';
import { loadChatFor } from './access.ts';
import { publishToChat } from './publish.ts';
import { loadChatUsers } from './views.ts';

export interface TypingAck {
  chatId: string;
  isTyping: boolean;
  expiresAt: string | null;
}

async function recordTyping(db: Db, chat: Chat, actor: AuthUser, isTyping: boolean, now: Date): Promise<string | null> {
  const key = chatKeys.typing(chat.id, actor.id);
  if (!isTyping) {
    await db.doc.send(new DeleteCommand({ TableName: db.tableName, Key: key }));
    return null;
  }
  const until = new Date(now.getTime() + TYPING_TTL_SECONDS * 1000);
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      // expiresAt lets DynamoDB TTL sweep the item eventually; readers compare `until` since TTL runs late.
      Item: { ...key, entity: 'typing', chatId: chat.id, userId: actor.id, role: actor.role, until: until.toISOString(), expiresAt: Math.ceil(until.getTime() / 1000) + 60 },
    }),
  );
  return until.toISOString();
}

/** Records and pushes a typing change; 404 when the chat does not exist or the actor is not in it. */
export async function setTyping(
  deps: ChatDeps,
  actor: AuthUser,
  chatId: string,
  isTyping: boolean,
  now: Date,
  connectionId?: string,
): Promise<TypingAck> {
  const chat = await loadChatFor(deps.db, chatId, actor);
  const expiresAt = await recordTyping(deps.db, chat, actor, isTyping, now);
  await publishToChat(deps, chat, Events.ChatTyping({ chatId, userId: actor.id, isTyping }), {
    excludeUserId: actor.id,
    ...(connectionId ? { exceptConnectionId: connectionId } : {}),
  });
  return { chatId, isTyping, expiresAt };
}

/** Who else is typing now: one Query on the chat's TYPING# items, expired ones dropped. */
export async function getTyping(deps: ChatDeps, actor: AuthUser, chatId: string, now: Date) {
  await loadChatFor(deps.db, chatId, actor);
  const out = await deps.db.doc.send(
    new QueryCommand({
      TableName: deps.db.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': chatKeys.chat(chatId).pk, ':prefix': chatKeys.typingPrefix },
      ConsistentRead: true,
    }),
  );
  const live = (out.Items ?? []).filter((i) => i.userId !== actor.id && String(i.until) > now.toISOString());
  const users = await loadChatUsers(deps.db, live.map((i) => i.userId as string));
  return {
    chatId,
    typing: live.map((i) => ({
      userId: i.userId as string,
      name: users.get(i.userId as string)?.name ?? null,
      role: i.role as Role,
      expiresAt: i.until as string,
    })),
  };
}

const relayLog = createLogger({ component: 'chats.typing' });

/**
 * The WebSocket `chat.typing` action (called by functions/realtime): checks that the user takes part in the
 * chat — a non-participant gets AppError NOT_FOUND, which the realtime handler turns into an error frame —
 * then records and pushes the change to the other participants, skipping the typing connection.
 */
export async function relayTyping(input: {
  db: Db;
  userId: string;
  role: Role;
  chatId: string;
  isTyping: boolean;
  connectionId: string;
  now: Date;
  deps?: Partial<ChatDeps>;
}): Promise<TypingAck> {
  const deps = defaultChatDeps(relayLog, { db: input.db, ...input.deps });
  return setTyping(deps, { id: input.userId, role: input.role }, input.chatId, input.isTyping, input.now, input.connectionId);
}
