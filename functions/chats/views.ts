// How chats and messages appear in responses and in `chat.message` frames.
import type { Db } from '#shared/db/client.ts';
import type { ChatView, MessageView } from '#shared/contract/chats.ts';
import { batchGetItems, chatKeys, fromMemberItem, type Chat, type ChatMember } from '#shared/db/entities/chat.ts';
import type { AttachmentSnapshot, Message } from '#shared/db/entities/message.ts';
import { fromUserItem, userKeys, type User } from '#shared/db/entities/user.ts';
import type { FileRecord } from '#shared/db/entities/file.ts';
import { fileSummary } from '#shared/files/attachments.ts';
import type { Storage } from '#shared/storage/s3.ts';

export type ChatUser = { id: string; name: string; avatar: string | null; role: 'student' | 'admin' };

export function chatUser(user: User): ChatUser {
  return { id: user.id, name: user.name, avatar: user.avatar ?? null, role: user.role };
}

/** Users by id, one BatchGet per 100 ids. */
export async function loadChatUsers(db: Db, userIds: Iterable<string>): Promise<Map<string, ChatUser>> {
  const ids = [...new Set(userIds)];
  const items = ids.length ? await batchGetItems(db, ids.map((id) => userKeys.user(id))) : [];
  return new Map(items.map((item) => { const u = fromUserItem(item); return [u.id, chatUser(u)]; }));
}

export function unreadCount(chat: Chat, member: ChatMember | undefined): number {
  return Math.max(0, chat.messageSeq - (member?.readSeq ?? 0));
}

export function chatView(chat: Chat, users: Map<string, ChatUser>, member: ChatMember | undefined): ChatView {
  return {
    id: chat.id,
    type: chat.type,
    studentId: chat.studentId,
    student: users.get(chat.studentId) ?? null,
    taskId: chat.taskId ?? null,
    participantIds: chat.participantIds,
    participants: chat.participantIds.map((id) => users.get(id)).filter((u): u is ChatUser => Boolean(u)),
    lastMessage: chat.lastMessage
      ? {
          id: chat.lastMessage.id,
          senderId: chat.lastMessage.senderId,
          type: chat.lastMessage.type,
          preview: chat.lastMessage.preview,
          deleted: Boolean(chat.lastMessage.deleted),
          createdAt: chat.lastMessage.createdAt,
        }
      : null,
    unreadCount: unreadCount(chat, member),
    lastActivityAt: chat.lastActivityAt,
    createdAt: chat.createdAt,
    updatedAt: chat.updatedAt,
  };
}

/**
 * Views of chats for `callerId`. `members` are the caller's read positions when the caller already has
 * them (a list read from the caller's member items); otherwise they are fetched in the same BatchGet as the
 * users: one BatchGet per 100 keys in all.
 */
export async function chatViews(db: Db, chats: Chat[], callerId: string, members?: Map<string, ChatMember>): Promise<ChatView[]> {
  if (chats.length === 0) return [];
  const userIds = [...new Set(chats.flatMap((c) => [c.studentId, ...c.participantIds]))];
  const keys: Record<string, unknown>[] = userIds.map((id) => userKeys.user(id));
  if (!members) keys.push(...chats.map((c) => chatKeys.member(c.id, callerId)));
  const items = await batchGetItems(db, keys);
  const users = new Map<string, ChatUser>();
  const found = members ?? new Map<string, ChatMember>();
  for (const item of items) {
    if (item.entity === 'chatMember') {
      const m = fromMemberItem(item);
      found.set(m.chatId, m);
    } else {
      const u = fromUserItem(item);
      users.set(u.id, chatUser(u));
    }
  }
  return chats.map((chat) => chatView(chat, users, found.get(chat.id)));
}

/** Users (other than the sender) whose read position is at or past the message. */
export function readersOf(message: Pick<Message, 'seq' | 'senderId'>, members: readonly ChatMember[]): string[] {
  return members.filter((m) => m.userId !== message.senderId && m.readSeq >= message.seq).map((m) => m.userId);
}

/**
 * `read` once the other side has read it: for the student's messages any admin, for an admin's messages the
 * chat's student (other admins reading an admin's reply does not make it read).
 */
export function statusOf(chat: Pick<Chat, 'studentId'>, message: Pick<Message, 'senderId'>, readBy: readonly string[]): 'sent' | 'read' {
  if (message.senderId === chat.studentId) return readBy.length > 0 ? 'read' : 'sent';
  return readBy.includes(chat.studentId) ? 'read' : 'sent';
}

/** The snapshot is a subset of the file record that fileSummary reads (id, s3Key, originalName, size, mime). */
const asFileRecord = (a: AttachmentSnapshot) => a as FileRecord;

export async function messageView(
  chat: Pick<Chat, 'studentId'>,
  message: Message,
  context: { users: Map<string, ChatUser>; members: readonly ChatMember[]; storage?: Storage; now?: Date },
): Promise<MessageView> {
  const readBy = readersOf(message, context.members);
  const attachments = message.deleted
    ? []
    : await Promise.all(message.attachments.map((a) => fileSummary(asFileRecord(a), { storage: context.storage, now: context.now })));
  return {
    id: message.id,
    chatId: message.chatId,
    senderId: message.senderId,
    sender: context.users.get(message.senderId) ?? null,
    type: message.type,
    content: message.deleted ? '' : message.content,
    attachments,
    replyTo: message.replyTo ?? null,
    seq: message.seq,
    createdAt: message.createdAt,
    timestamp: message.createdAt,
    editedAt: message.editedAt ?? null,
    deleted: Boolean(message.deleted),
    deletedAt: message.deletedAt ?? null,
    readBy,
    status: statusOf(chat, message, readBy),
  };
}
