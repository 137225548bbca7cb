// Who may see and write in a chat. Students: only chats they are an explicit participant of. Admins: every
// chat — the admin team shares support, and an admin may assign any task to themselves anyway, so
// restricting one admin from another's task chat would not be a security boundary (the files domain's
// canSeeChat grants the same). Anyone else is told the chat does not exist (404), never 403.
import type { Db } from '#shared/db/client.ts';
import type { AuthUser } from '#shared/auth/tokens.ts';
import { getChatById, isChatParticipant, type Chat } from '#shared/db/entities/chat.ts';
import { getMessage, getMessageChatId, type Message } from '#shared/db/entities/message.ts';
import { notFound } from '#shared/errors.ts';

export function canAccessChat(chat: Chat, actor: AuthUser): boolean {
  return actor.role === 'admin' || isChatParticipant(chat, actor);
}

/** The chat, or 404 when it does not exist or the actor may not see it (the two look alike). */
export async function loadChatFor(db: Db, chatId: string, actor: AuthUser): Promise<Chat> {
  const chat = await getChatById(db, chatId);
  if (!chat || !canAccessChat(chat, actor)) throw notFound('Chat');
  return chat;
}

/** A message and its chat from the message id alone (pointer item), or 404 'Message' under the same rule. */
export async function loadMessageFor(db: Db, messageId: string, actor: AuthUser): Promise<{ chat: Chat; message: Message }> {
  const chatId = await getMessageChatId(db, messageId);
  if (!chatId) throw notFound('Message');
  const [chat, message] = await Promise.all([getChatById(db, chatId), getMessage(db, chatId, messageId)]);
  if (!chat || !message || !canAccessChat(chat, actor)) throw notFound('Message');
  return { chat, message };
}
