// The message entity: messages live in their chat's partition (newest first by id, which is a time-ordered
// ULID), and a pointer item per message resolves a chat from a message id alone (PUT/DELETE/read on
// /messages/{messageId} carry no chat id). Access patterns and costs: docs/data-model/chats.md.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { encodeTime } from 'ulid';
import type { Db } from '../client.ts';
import type { FileRecord } from './file.ts';
import { chatKeys } from './chat.ts';
import { queryPage, type Page, type PageRequest } from '../query.ts';

export const messageTypes = ['text', 'image', 'file'] as const;
export type MessageType = (typeof messageTypes)[number];

/**
 * What a message keeps of an attached file: enough to presign a view URL without reading the file record.
 * Safe to copy because a confirmed, attached file never changes nor goes away (the files domain refuses it).
 */
export type AttachmentSnapshot = Pick<FileRecord, 'id' | 's3Key' | 'originalName' | 'size' | 'mime'>;

export interface Message {
  id: string;
  chatId: string;
  senderId: string;
  senderRole: 'student' | 'admin';
  type: MessageType;
  /** Empty on tombstones. */
  content: string;
  attachments: AttachmentSnapshot[];
  replyTo?: string;
  /** Position in the chat (1, 2, ...): read positions are seqs, so "read up to" covers every earlier message. */
  seq: number;
  createdAt: string;
  editedAt?: string;
  deleted?: boolean;
  deletedAt?: string;
}

const MSG_PREFIX = 'MSG#';

export const messageKeys = {
  message: (chatId: string, messageId: string) => ({ pk: chatKeys.chat(chatId).pk, sk: `${MSG_PREFIX}${messageId}` }),
  /** Pointer from a message id to its chat. */
  pointer: (messageId: string) => ({ pk: `MSG#${messageId}`, sk: 'MSG' }),
};

export function toMessageItem(message: Message): Record<string, unknown> {
  return { ...messageKeys.message(message.chatId, message.id), entity: 'message', ...message };
}

export function fromMessageItem(item: Record<string, unknown>): Message {
  const { pk, sk, entity, ...message } = item;
  void pk, sk, entity;
  const m = message as unknown as Message;
  return { ...m, attachments: m.attachments ?? [] };
}

export function toPointerItem(message: Pick<Message, 'id' | 'chatId'>): Record<string, unknown> {
  return { ...messageKeys.pointer(message.id), entity: 'messagePointer', messageId: message.id, chatId: message.chatId };
}

/** The chat a message belongs to (one GetItem on the pointer), or undefined for an unknown id. */
export async function getMessageChatId(db: Db, messageId: string): Promise<string | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: messageKeys.pointer(messageId), ConsistentRead: true }));
  return out.Item?.chatId as string | undefined;
}

export async function getMessage(db: Db, chatId: string, messageId: string): Promise<Message | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: messageKeys.message(chatId, messageId), ConsistentRead: true }));
  return out.Item ? fromMessageItem(out.Item) : undefined;
}

/** The largest string below `s` (DynamoDB's BETWEEN is inclusive; this makes the upper bound exclusive). */
function justBelow(s: string): string {
  return s.slice(0, -1) + String.fromCharCode(s.charCodeAt(s.length - 1) - 1) + '\uffff';
}

/** Upper sort-key bound for "messages before": a message id, or an ISO time (messages created strictly before it). */
export function beforeBound(before: { messageId?: string; time?: Date }): string | undefined {
  if (before.messageId) return justBelow(`${MSG_PREFIX}${before.messageId}`);
  if (before.time) {
    // The smallest id a message created at `time` can have; every earlier message sorts below it.
    const smallestIdAt = `msg_${encodeTime(before.time.getTime(), 10)}${'0'.repeat(16)}`;
    return justBelow(`${MSG_PREFIX}${smallestIdAt}`);
  }
  return undefined;
}

/** A chat's messages, newest first (one Query of limit+1 on the chat's partition), optionally before a bound. */
export function listMessagesByChat(db: Db, chatId: string, options: { before?: string }, page: PageRequest): Promise<Page<Message>> {
  return queryPage(
    db,
    {
      partition: { name: 'pk', value: chatKeys.chat(chatId).pk },
      sort: options.before ? { name: 'sk', between: [MSG_PREFIX, options.before] } : { name: 'sk', beginsWith: MSG_PREFIX },
      ascending: false,
    },
    page,
    fromMessageItem,
  );
}

/** How a message shows in a chat list: content cut to a preview, or what was attached. */
export function previewOf(message: Pick<Message, 'type' | 'content' | 'attachments' | 'deleted'>, max = 120): string {
  if (message.deleted) return '';
  const text = message.content.trim().replace(/\s+/g, ' ');
  if (text) return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  const n = message.attachments.length;
  if (message.type === 'image') return n > 1 ? `${n} images` : 'Image';
  return n > 1 ? `${n} files` : 'File';
}
