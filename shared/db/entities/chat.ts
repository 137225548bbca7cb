// The chat entity: one chat item, one member item per explicit participant (read position + list sort key),
// uniqueness sentinels (one support chat per student, one chat per task), and short-lived typing items.
// The access patterns and their costs are in docs/data-model/chats.md.
import { GetCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '../query.ts';
import type { Db } from '../client.ts';
import { newId } from '../../ids.ts';

export const chatTypes = ['support', 'task', 'general'] as const;
export type ChatType = (typeof chatTypes)[number];

/** What a chat list shows of the newest message (content cut to a preview). */
export interface LastMessagePreview {
  id: string;
  senderId: string;
  type: 'text' | 'image' | 'file';
  preview: string;
  deleted?: boolean;
  createdAt: string;
}

export interface Chat {
  id: string;
  type: ChatType;
  /** The student of the chat (every chat has exactly one). */
  studentId: string;
  /**
   * Explicit participants. Support chats: `[studentId]` only — every admin is an IMPLICIT participant of
   * every support chat (the admin team answers support together), so admins are never listed here.
   * Task chats: the task's student and its assigned admin (an admin assigned later joins when the chat is
   * opened). General chats: the student and the admin who opened it.
   * Use `isChatParticipant` rather than reading this list directly.
   */
  participantIds: string[];
  /** Task chats only. */
  taskId?: string;
  /** Who opened the chat. */
  createdBy: string;
  /** Number of messages ever sent; each message carries its `seq`, read positions are seqs. */
  messageSeq: number;
  lastMessage?: LastMessagePreview;
  /** Last activity (creation or newest message): the lists sort on it. */
  lastActivityAt: string;
  /** Support chats: when the student signed up (the support queue orders chats without messages by it). */
  studentSignedUpAt?: string;
  createdAt: string;
  updatedAt: string;
}

/** Per-participant state: the read position (a message seq, never moves backwards) and the list sort key. */
export interface ChatMember {
  chatId: string;
  userId: string;
  /** Seq of the newest message this user has read (or sent). Unread = chat.messageSeq - readSeq. */
  readSeq: number;
  readMessageId?: string;
  readAt?: string;
}

/** Sort key of the chat lists: last activity, chat id as tie-breaker (unique across lists). */
export const activitySortKey = (lastActivityAt: string, chatId: string) => `${lastActivityAt}#${chatId}`;

export const chatKeys = {
  chat: (chatId: string) => ({ pk: `CHAT#${chatId}`, sk: 'CHAT' }),
  /** Read position (and, for explicit participants, list entry) of one user in one chat. */
  member: (chatId: string, userId: string) => ({ pk: `CHAT#${chatId}`, sk: `MEMBER#${userId}` }),
  membersPrefix: 'MEMBER#',
  /** Typing indicator of one user in one chat; expires after a few seconds. */
  typing: (chatId: string, userId: string) => ({ pk: `CHAT#${chatId}`, sk: `TYPING#${userId}` }),
  typingPrefix: 'TYPING#',
  /** Uniqueness sentinel: the one support chat of a student. */
  supportSentinel: (studentId: string) => ({ pk: `SUPPORTCHAT#${studentId}`, sk: 'SUPPORTCHAT' }),
  /** Uniqueness sentinel: the one chat of a task. */
  taskSentinel: (taskId: string) => ({ pk: `TASKCHAT#${taskId}`, sk: 'TASKCHAT' }),
  /** gsi1 on the chat item (support chats only): every support chat, by last activity (admin's merged list). */
  allSupport: () => ({ gsi1pk: 'SUPPORTCHATS' }),
  /**
   * gsi2 on the chat item (support chats only): the admins' support queue (`GET /chats?type=support`), sorted
   * by `supportQueueSortKey`: read descending, chats with messages come first by last message time, then
   * chats without messages by the student's sign-up, each newest first. One Query per page.
   */
  supportQueue: () => ({ gsi2pk: 'SUPPORTQUEUE' }),
  /** gsi1 on member items of explicit participants: a user's chats by last activity. */
  byUser: (userId: string) => ({ gsi1pk: `USERCHATS#${userId}` }),
  /** gsi2 on member items of explicit participants: a user's chats of one type by last activity. */
  byUserType: (userId: string, type: ChatType) => ({ gsi2pk: `USERCHATS#${userId}#${type}` }),
};

/**
 * Sort key of the support queue. The tier digit puts every chat with a message (`1`) above every chat without
 * one (`0`) in a descending read; ISO-8601 UTC times of equal length sort as text; the chat id breaks ties.
 */
export function supportQueueSortKey(chat: Pick<Chat, 'id' | 'lastMessage' | 'studentSignedUpAt' | 'createdAt'>): string {
  return chat.lastMessage ? `1#${chat.lastMessage.createdAt}#${chat.id}` : `0#${chat.studentSignedUpAt ?? chat.createdAt}#${chat.id}`;
}

/** True when `user` may see and write in `chat`: explicit participants, and every admin for support chats. */
export function isChatParticipant(chat: Pick<Chat, 'type' | 'participantIds'>, user: { id: string; role: string }): boolean {
  if (chat.participantIds.includes(user.id)) return true;
  return chat.type === 'support' && user.role === 'admin';
}

export function toChatItem(chat: Chat): Record<string, unknown> {
  return {
    ...chatKeys.chat(chat.id),
    ...(chat.type === 'support'
      ? {
          ...chatKeys.allSupport(),
          gsi1sk: activitySortKey(chat.lastActivityAt, chat.id),
          ...chatKeys.supportQueue(),
          gsi2sk: supportQueueSortKey(chat),
        }
      : {}),
    entity: 'chat',
    ...chat,
  };
}

export function fromChatItem(item: Record<string, unknown>): Chat {
  const { pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, entity, ...chat } = item;
  void pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, entity;
  return chat as unknown as Chat;
}

export interface NewChatInput {
  type: ChatType;
  studentId: string;
  participantIds: string[];
  taskId?: string;
  createdBy: string;
  /** Support chats: the student's sign-up time. */
  studentSignedUpAt?: string;
  now: Date;
}

export function newChat(input: NewChatInput): Chat {
  const at = input.now.toISOString();
  return {
    id: newId('chat', input.now),
    type: input.type,
    studentId: input.studentId,
    participantIds: [...new Set(input.participantIds)],
    ...(input.taskId ? { taskId: input.taskId } : {}),
    createdBy: input.createdBy,
    messageSeq: 0,
    lastActivityAt: at,
    ...(input.studentSignedUpAt ? { studentSignedUpAt: input.studentSignedUpAt } : {}),
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * A student's support chat as it is made with the account (and by the backfill for older accounts): created
 * at the sign-up time, by the student, with the student as its one explicit participant.
 */
export function newSupportChat(student: { id: string; createdAt: string }): Chat {
  return newChat({
    type: 'support',
    studentId: student.id,
    participantIds: [student.id],
    createdBy: student.id,
    studentSignedUpAt: student.createdAt,
    now: new Date(student.createdAt),
  });
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * The writes that create a chat: its uniqueness sentinel when given (first, so a caller can tell a lost race
 * by index 0), the chat item and its explicit participants' member items, each only if absent.
 */
export function chatCreationWrites(tableName: string, chat: Chat, sentinel?: { pk: string; sk: string }): TransactItem[] {
  const notExists = 'attribute_not_exists(pk)';
  return [
    ...(sentinel ? [{ Put: { TableName: tableName, Item: { ...sentinel, entity: 'chatSentinel', chatId: chat.id }, ConditionExpression: notExists } }] : []),
    { Put: { TableName: tableName, Item: toChatItem(chat), ConditionExpression: notExists } },
    ...chat.participantIds.map((userId) => ({
      Put: {
        TableName: tableName,
        Item: toMemberItem({ chatId: chat.id, userId, readSeq: 0 }, { type: chat.type, lastActivityAt: chat.lastActivityAt }),
        ConditionExpression: notExists,
      },
    })),
  ];
}

/** The writes of a student's support chat, sentinel first. */
export function supportChatWrites(tableName: string, chat: Chat): TransactItem[] {
  return chatCreationWrites(tableName, chat, chatKeys.supportSentinel(chat.studentId));
}

/**
 * Member item. `listed` members (explicit participants) carry the gsi keys of the per-user lists; an admin's
 * read position in a support chat is an unlisted member item (the admin list reads the SUPPORTCHATS index).
 */
export function toMemberItem(member: ChatMember, listing?: { type: ChatType; lastActivityAt: string }): Record<string, unknown> {
  return {
    ...chatKeys.member(member.chatId, member.userId),
    ...(listing
      ? {
          ...chatKeys.byUser(member.userId),
          gsi1sk: activitySortKey(listing.lastActivityAt, member.chatId),
          ...chatKeys.byUserType(member.userId, listing.type),
          gsi2sk: activitySortKey(listing.lastActivityAt, member.chatId),
        }
      : {}),
    entity: 'chatMember',
    ...member,
  };
}

export function fromMemberItem(item: Record<string, unknown>): ChatMember {
  return {
    chatId: item.chatId as string,
    userId: item.userId as string,
    readSeq: Number(item.readSeq ?? 0),
    ...(item.readMessageId ? { readMessageId: item.readMessageId as string } : {}),
    ...(item.readAt ? { readAt: item.readAt as string } : {}),
  };
}

export async function getChatById(db: Db, chatId: string): Promise<Chat | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: chatKeys.chat(chatId), ConsistentRead: true }));
  return out.Item ? fromChatItem(out.Item) : undefined;
}

/** The support chat id of a student, if one exists (reads the sentinel). */
export async function getSupportChatId(db: Db, studentId: string): Promise<string | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: chatKeys.supportSentinel(studentId), ConsistentRead: true }));
  return out.Item?.chatId as string | undefined;
}

/** The chat id of a task, if one exists (reads the sentinel). */
export async function getTaskChatId(db: Db, taskId: string): Promise<string | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: chatKeys.taskSentinel(taskId), ConsistentRead: true }));
  return out.Item?.chatId as string | undefined;
}

/** Every read position of a chat (explicit participants and admins who read a support chat): one Query. */
export async function listChatMembers(db: Db, chatId: string): Promise<ChatMember[]> {
  const members: ChatMember[] = [];
  const items = queryAll(db, {
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': chatKeys.chat(chatId).pk, ':prefix': chatKeys.membersPrefix },
    ConsistentRead: true,
  });
  for await (const item of items) members.push(fromMemberItem(item));
  return members;
}

/** Re-exported for the chats domain, which reads chats, members and users in one BatchGet. */
export { batchGetItems } from '../batch.ts';
