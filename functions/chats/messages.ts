// Sending, listing, editing, deleting and reading messages. Every change is pushed as `chat.message`.
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthUser } from '#shared/auth/tokens.ts';
import type { MessageView } from '#shared/contract/chats.ts';
import {
  activitySortKey,
  supportQueueSortKey,
  chatKeys,
  fromMemberItem,
  getChatById,
  listChatMembers,
  type Chat,
  type ChatMember,
  type LastMessagePreview,
} from '#shared/db/entities/chat.ts';
import {
  beforeBound,
  fromMessageItem,
  getMessage,
  listMessagesByChat,
  messageKeys,
  previewOf,
  toMessageItem,
  toPointerItem,
  type AttachmentSnapshot,
  type Message,
} from '#shared/db/entities/message.ts';
import { getUserById } from '#shared/db/entities/user.ts';
import type { FileRecord } from '#shared/db/entities/file.ts';
import { cancellationReasons, isConditionFailed, transactionItemFailed } from '#shared/db/errors.ts';
import type { Page } from '#shared/db/query.ts';
import { assertAttachableFiles, attachFilesTransactItems, detachFilesTransactItems, throwIfAttachmentFailed } from '#shared/files/attachments.ts';
import { Events } from '#shared/realtime/events.ts';
import { newId } from '#shared/ids.ts';
import { conflict, forbidden, notFound, validationError } from '#shared/errors.ts';
import type { ChatDeps } from './deps.ts';
import { canAccessChat, loadChatFor, loadMessageFor } from './access.ts';
import { chatUser, loadChatUsers, messageView, unreadCount, type ChatUser } from './views.ts';
import { publishToChat } from './publish.ts';
import { noticeOfflineRecipients } from './offline-notice.ts';

/** Concurrent senders in one chat serialize on the chat's `messageSeq`; the loser re-reads and retries. */
const MAX_SEND_ATTEMPTS = 6;

export interface SendInput {
  content: string;
  type: Message['type'];
  attachments: string[];
  replyTo?: string;
}

function lastMessageOf(message: Message): LastMessagePreview {
  return {
    id: message.id,
    senderId: message.senderId,
    type: message.type,
    preview: previewOf(message),
    ...(message.deleted ? { deleted: true } : {}),
    createdAt: message.createdAt,
  };
}

async function senderUsers(deps: ChatDeps, actor: AuthUser): Promise<Map<string, ChatUser>> {
  const user = await getUserById(deps.db, actor.id);
  return new Map(user ? [[user.id, chatUser(user)]] : []);
}

/**
 * Sends a message. One transaction writes the message, its id pointer, the chat's new `messageSeq`, last
 * message and activity key (which moves it up the support list), each explicit participant's list key, the
 * sender's read position (a sender has read everything up to their own message), and the attached files.
 */
export async function sendMessage(deps: ChatDeps, actor: AuthUser, chatId: string, input: SendInput, now: Date): Promise<MessageView> {
  const { db } = deps;
  let chat = await loadChatFor(db, chatId, actor);
  // Read after the chat: a message that attached a file since bumped messageSeq, so the send below retries
  // and reads the files again rather than attaching one file to two messages (the attach condition allows
  // "already attached to this chat").
  const attachableFiles = async () => {
    const files = await assertAttachableFiles(db, { fileIds: input.attachments, actor, target: { kind: 'chat', chatId }, now });
    for (const file of files) {
      // A file belongs to one message: deleting that message detaches it again.
      if (file.attachedTo) throw validationError('attachments', `file ${file.id} is already attached to another message`);
      if (input.type === 'image' && !file.mime.startsWith('image/')) throw validationError('attachments', `file ${file.id} is not an image`);
    }
    return files;
  };
  const [replied, firstFiles, users] = await Promise.all([
    input.replyTo ? getMessage(db, chatId, input.replyTo) : Promise.resolve(undefined),
    attachableFiles(),
    senderUsers(deps, actor),
  ]);
  if (input.replyTo && !replied) throw validationError('replyTo', 'is not a message of this chat');
  const snapshotsOf = (fs: readonly FileRecord[]): AttachmentSnapshot[] =>
    fs.map((f) => ({ id: f.id, s3Key: f.s3Key, originalName: f.originalName, size: f.size, mime: f.mime }));
  let files = firstFiles;
  let snapshots = snapshotsOf(files);

  for (let attempt = 1; ; attempt++) {
    const message: Message = {
      id: newId('msg', now),
      chatId,
      senderId: actor.id,
      senderRole: actor.role,
      type: input.type,
      content: input.content,
      attachments: snapshots,
      ...(input.replyTo ? { replyTo: input.replyTo } : {}),
      seq: chat.messageSeq + 1,
      createdAt: now.toISOString(),
    };
    const outcome = await trySend(deps, chat, message, files);
    if (outcome === 'committed') {
      const view = await messageView(chat, message, { users, members: [], storage: deps.storage, now });
      await publishToChat(deps, chat, Events.ChatMessage({ kind: 'new', chatId, message: view }), { alsoUserId: actor.id, actorRole: actor.role });
      if (deps.offline) {
        const senderName = users.get(actor.id)?.name ?? 'GradHelper';
        await noticeOfflineRecipients({ ...deps.offline, log: deps.log }, chat, { id: message.id, senderId: actor.id, senderName, content: message.content ?? '', type: message.type });
      }
      return view;
    }
    if (attempt >= MAX_SEND_ATTEMPTS) throw conflict('The chat is busy, please send again');
    await new Promise((r) => setTimeout(r, Math.random() * 15 * attempt));
    const fresh = await getChatById(db, chatId);
    if (!fresh || !canAccessChat(fresh, actor)) throw notFound('Chat');
    chat = fresh;
    if (files.length > 0) {
      files = await attachableFiles();
      snapshots = snapshotsOf(files);
    }
  }
}

/** 'committed', or 'retry' when another message took this seq (or a participant joined) meanwhile. */
async function trySend(deps: ChatDeps, chat: Chat, message: Message, files: readonly FileRecord[]): Promise<'committed' | 'retry'> {
  const { db } = deps;
  const at = message.createdAt;
  const sortKey = activitySortKey(at, chat.id);
  const senderIsMember = chat.participantIds.includes(message.senderId);
  const readPosition = { ':seq': message.seq, ':msgId': message.id, ':at': at };
  const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [
    { Put: { TableName: db.tableName, Item: toMessageItem(message), ConditionExpression: 'attribute_not_exists(pk)' } },
    { Put: { TableName: db.tableName, Item: toPointerItem(message), ConditionExpression: 'attribute_not_exists(pk)' } },
    {
      Update: {
        TableName: db.tableName,
        Key: chatKeys.chat(chat.id),
        UpdateExpression: `SET messageSeq = :seq, lastMessage = :last, lastActivityAt = :at, updatedAt = :at${chat.type === 'support' ? ', gsi1sk = :sk, gsi2sk = :queueSk' : ''}`,
        // The seq read is still current, and nobody joined since (their list key would be missed).
        ConditionExpression: 'messageSeq = :prev AND size(participantIds) = :members',
        ExpressionAttributeValues: {
          ':seq': message.seq,
          ':prev': chat.messageSeq,
          ':members': chat.participantIds.length,
          ':last': lastMessageOf(message),
          ':at': at,
          ...(chat.type === 'support' ? { ':sk': sortKey, ':queueSk': supportQueueSortKey({ ...chat, lastMessage: lastMessageOf(message) }) } : {}),
        },
      },
    },
    ...chat.participantIds.map((userId) => ({
      Update: {
        TableName: db.tableName,
        Key: chatKeys.member(chat.id, userId),
        UpdateExpression:
          userId === message.senderId
            ? 'SET gsi1sk = :sk, gsi2sk = :sk, readSeq = :seq, readMessageId = :msgId, readAt = :at'
            : 'SET gsi1sk = :sk, gsi2sk = :sk',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: userId === message.senderId ? { ':sk': sortKey, ...readPosition } : { ':sk': sortKey },
      },
    })),
    // An implicit participant (an admin in a support chat, or any admin elsewhere) keeps an unlisted read position.
    ...(senderIsMember
      ? []
      : [
          {
            Update: {
              TableName: db.tableName,
              Key: chatKeys.member(chat.id, message.senderId),
              UpdateExpression: 'SET chatId = :chatId, userId = :userId, entity = :entity, readSeq = :seq, readMessageId = :msgId, readAt = :at',
              ExpressionAttributeValues: { ':chatId': chat.id, ':userId': message.senderId, ':entity': 'chatMember', ...readPosition },
            },
          },
        ]),
  ];
  const firstFileIndex = items.length;
  items.push(...attachFilesTransactItems(files, { kind: 'chat', chatId: chat.id }, db));
  try {
    await db.doc.send(new TransactWriteCommand({ TransactItems: items }));
    return 'committed';
  } catch (err) {
    if (transactionItemFailed(err, 2)) return 'retry';
    throwIfAttachmentFailed(err, files, firstFileIndex);
    // Two transactions on the same chat item at once: DynamoDB cancels one with TransactionConflict.
    if (cancellationReasons(err)?.includes('TransactionConflict')) return 'retry';
    throw err;
  }
}

export interface ListMessagesInput {
  before?: string;
  limit: number;
  cursor?: string;
  page?: number;
}

/** A chat's messages, newest first, with each message's readers derived from the members' read positions. */
export async function listMessages(deps: ChatDeps, actor: AuthUser, chatId: string, input: ListMessagesInput, now: Date): Promise<Page<MessageView>> {
  const { db } = deps;
  const chat = await loadChatFor(db, chatId, actor);
  const bound = input.before
    ? beforeBound(input.before.startsWith('msg_') ? { messageId: input.before } : { time: new Date(input.before) })
    : undefined;
  // `page` without a cursor reads and skips the messages before it, within the request's read budget (queryPage).
  const request = { limit: input.limit, cursor: input.cursor, page: input.page };
  const [page, members] = await Promise.all([listMessagesByChat(db, chatId, { before: bound }, request), listChatMembers(db, chatId)]);
  const users = await loadChatUsers(db, page.items.map((m) => m.senderId));
  const items = await Promise.all(page.items.map((m) => messageView(chat, m, { users, members, storage: deps.storage, now })));
  return { items, nextCursor: page.nextCursor };
}

/** One message as the routes answer it (the replay of a retried send); 404 for one the actor may not see. */
export async function getMessageView(deps: ChatDeps, actor: AuthUser, messageId: string, now: Date): Promise<MessageView> {
  const { chat, message } = await loadMessageFor(deps.db, messageId, actor);
  const [users, members] = await Promise.all([loadChatUsers(deps.db, [message.senderId]), listChatMembers(deps.db, chat.id)]);
  return messageView(chat, message, { users, members, storage: deps.storage, now });
}

async function ownMessage(deps: ChatDeps, actor: AuthUser, messageId: string, verb: 'edit' | 'delete') {
  const found = await loadMessageFor(deps.db, messageId, actor);
  if (found.message.senderId !== actor.id) throw forbidden(`You can only ${verb} your own messages`);
  return found;
}

/** Keeps the chat list's preview in step when the newest message changes; skipped if a newer one arrived. */
async function refreshLastMessage(deps: ChatDeps, chat: Chat, message: Message): Promise<void> {
  if (chat.lastMessage?.id !== message.id) return;
  try {
    await deps.db.doc.send(
      new UpdateCommand({
        TableName: deps.db.tableName,
        Key: chatKeys.chat(chat.id),
        UpdateExpression: 'SET lastMessage = :last',
        ConditionExpression: 'lastMessage.id = :id',
        ExpressionAttributeValues: { ':last': lastMessageOf(message), ':id': message.id },
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

async function viewWithReaders(deps: ChatDeps, chat: Chat, message: Message, now: Date): Promise<MessageView> {
  const [members, users] = await Promise.all([listChatMembers(deps.db, chat.id), loadChatUsers(deps.db, [message.senderId])]);
  return messageView(chat, message, { users, members, storage: deps.storage, now });
}

/** Edits the text of one's own message; a deleted message cannot be edited (409). */
export async function editMessage(deps: ChatDeps, actor: AuthUser, messageId: string, content: string, now: Date): Promise<MessageView> {
  const { chat, message } = await ownMessage(deps, actor, messageId, 'edit');
  if (message.deleted) throw conflict('This message was deleted and cannot be edited');
  let updated: Message;
  try {
    const out = await deps.db.doc.send(
      new UpdateCommand({
        TableName: deps.db.tableName,
        Key: messageKeys.message(chat.id, messageId),
        UpdateExpression: 'SET content = :content, editedAt = :at',
        ConditionExpression: 'senderId = :me AND attribute_not_exists(deleted)',
        ExpressionAttributeValues: { ':content': content, ':at': now.toISOString(), ':me': actor.id },
        ReturnValues: 'ALL_NEW',
      }),
    );
    updated = fromMessageItem(out.Attributes!);
  } catch (err) {
    if (isConditionFailed(err)) throw conflict('This message was deleted and cannot be edited');
    throw err;
  }
  await refreshLastMessage(deps, chat, updated);
  const view = await viewWithReaders(deps, chat, updated, now);
  await publishToChat(deps, chat, Events.ChatMessage({ kind: 'edited', chatId: chat.id, message: view }), { alsoUserId: actor.id, actorRole: actor.role });
  return view;
}

/**
 * Deletes one's own message as a tombstone (content and attachments cleared, `deleted: true`), so replies
 * and read positions that point at it stay valid. Its files are detached in the same transaction, so their
 * owner may delete them. Deleting a tombstone again answers the tombstone.
 */
export async function deleteMessage(deps: ChatDeps, actor: AuthUser, messageId: string, now: Date): Promise<MessageView> {
  const { chat, message } = await ownMessage(deps, actor, messageId, 'delete');
  if (message.deleted) return viewWithReaders(deps, chat, message, now);
  const at = now.toISOString();
  try {
    await deps.db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: deps.db.tableName,
              Key: messageKeys.message(chat.id, messageId),
              UpdateExpression: 'SET deleted = :true, deletedAt = :at, content = :empty, attachments = :none',
              ConditionExpression: 'senderId = :me AND attribute_not_exists(deleted)',
              ExpressionAttributeValues: { ':true': true, ':at': at, ':empty': '', ':none': [], ':me': actor.id },
            },
          },
          ...detachFilesTransactItems(message.attachments.map((a) => a.id), { kind: 'chat', chatId: chat.id }, deps.db),
        ],
      }),
    );
  } catch (err) {
    if (transactionItemFailed(err, 0)) {
      // Deleted concurrently (a second tab): answer the tombstone.
      const current = await getMessage(deps.db, chat.id, messageId);
      if (current?.deleted) return viewWithReaders(deps, chat, current, now);
    }
    throw err;
  }
  const tombstone: Message = { ...message, content: '', attachments: [], deleted: true, deletedAt: at };
  await refreshLastMessage(deps, chat, tombstone);
  const view = await viewWithReaders(deps, chat, tombstone, now);
  await publishToChat(deps, chat, Events.ChatMessage({ kind: 'deleted', chatId: chat.id, message: view }), { alsoUserId: actor.id, actorRole: actor.role });
  return view;
}

export interface ReadPositionView {
  chatId: string;
  messageId: string | null;
  readSeq: number;
  unreadCount: number;
  readAt: string | null;
}

/**
 * Moves the caller's read position up to the message; conditional, so it never moves backwards (a late
 * "read" for an older message, or two tabs racing, leaves the newer position). Every earlier message counts
 * as read by the caller from then on.
 */
export async function markMessageRead(deps: ChatDeps, actor: AuthUser, messageId: string, now: Date): Promise<ReadPositionView> {
  const { chat, message } = await loadMessageFor(deps.db, messageId, actor);
  let member: ChatMember;
  try {
    const out = await deps.db.doc.send(
      new UpdateCommand({
        TableName: deps.db.tableName,
        Key: chatKeys.member(chat.id, actor.id),
        UpdateExpression: 'SET chatId = :chatId, userId = :userId, entity = :entity, readSeq = :seq, readMessageId = :msgId, readAt = :at',
        ConditionExpression: 'attribute_not_exists(readSeq) OR readSeq < :seq',
        ExpressionAttributeValues: {
          ':chatId': chat.id,
          ':userId': actor.id,
          ':entity': 'chatMember',
          ':seq': message.seq,
          ':msgId': message.id,
          ':at': now.toISOString(),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    member = fromMemberItem(out.Attributes!);
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    // Already at or past this message: answer the current position (only moves forward, so it is still valid).
    const current = await deps.db.doc.send(new GetCommand({ TableName: deps.db.tableName, Key: chatKeys.member(chat.id, actor.id), ConsistentRead: true }));
    member = fromMemberItem(current.Item!);
  }
  return {
    chatId: chat.id,
    messageId: member.readMessageId ?? null,
    readSeq: member.readSeq,
    unreadCount: unreadCount(chat, member),
    readAt: member.readAt ?? null,
  };
}
