// Opening and listing chats. A student has exactly one support chat (sentinel SUPPORTCHAT#<studentId>), a
// task has at most one chat (sentinel TASKCHAT#<taskId>); both are created on first use in one transaction
// with their sentinel, so concurrent first uses end with one chat and the losers read the winner's.
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '#shared/db/client.ts';
import type { AuthUser } from '#shared/auth/tokens.ts';
import type { ChatView } from '#shared/contract/chats.ts';
import {
  chatCreationWrites,
  chatKeys,
  newChat,
  newSupportChat,
  fromChatItem,
  fromMemberItem,
  getChatById,
  getSupportChatId,
  getTaskChatId,
  batchGetItems,
  toMemberItem,
  type Chat,
  type ChatMember,
  type ChatType,
} from '#shared/db/entities/chat.ts';
import { getUserById } from '#shared/db/entities/user.ts';
import { taskKeys } from '#shared/db/entities/task.ts';
import { newReadBudget, queryPage, type Page, type PageRequest } from '#shared/db/query.ts';
import { decodeCursor, encodeCursor, transactionItemFailed } from '#shared/db/errors.ts';
import { forbidden, notFound, validationError } from '#shared/errors.ts';
import { loadChatFor } from './access.ts';
import { chatViews } from './views.ts';

export interface Opened {
  chat: ChatView;
  created: boolean;
}

/**
 * Writes a new chat with its explicit participants' member items, and its uniqueness sentinel when given,
 * in one transaction. Returns false when the sentinel already existed (someone else created the chat first).
 */
async function createChat(db: Db, chat: Chat, sentinel?: { pk: string; sk: string }): Promise<boolean> {
  try {
    await db.doc.send(new TransactWriteCommand({ TransactItems: chatCreationWrites(db.tableName, chat, sentinel) }));
    return true;
  } catch (err) {
    if (sentinel && transactionItemFailed(err, 0)) return false;
    throw err;
  }
}

async function viewFor(db: Db, chat: Chat, actor: AuthUser): Promise<ChatView> {
  return (await chatViews(db, [chat], actor.id))[0];
}

/** Reads the chat a sentinel points at; the sentinel and the chat are written together, so it exists. */
async function chatOfSentinel(db: Db, chatId: string): Promise<Chat> {
  const chat = await getChatById(db, chatId);
  if (!chat) throw new Error(`chat ${chatId} named by a sentinel is missing`);
  return chat;
}

/** The student's support chat, created on first use. Called by the student, or by an admin for any student. */
export async function openSupportChat(db: Db, actor: AuthUser, studentId: string): Promise<Opened> {
  if (actor.role === 'student' && actor.id !== studentId) throw notFound('Student');
  const existing = await getSupportChatId(db, studentId);
  if (existing) return { chat: await viewFor(db, await chatOfSentinel(db, existing), actor), created: false };
  // Every account is made with its support chat and the backfill gives older ones theirs, so this is only a
  // safety net (an account the backfill has not reached yet); the chat still dates from the sign-up.
  const student = await getUserById(db, studentId);
  if (!student || student.role !== 'student') throw notFound('Student');
  const chat = newSupportChat(student);
  if (await createChat(db, chat, chatKeys.supportSentinel(studentId))) {
    return { chat: await viewFor(db, chat, actor), created: true };
  }
  // Lost the race: the winner's transaction committed the sentinel and the chat together.
  const winner = await getSupportChatId(db, studentId);
  return { chat: await viewFor(db, await chatOfSentinel(db, winner!), actor), created: false };
}

/** The task's student and assigned admin, read from the task item (the tasks domain owns it). */
async function readTaskParties(db: Db, taskId: string): Promise<{ studentId: string; assignedAdminId?: string } | undefined> {
  const out = await db.doc.send(
    new GetCommand({
      TableName: db.tableName,
      Key: taskKeys.task(taskId),
      ProjectionExpression: 'studentId, assignedAdminId',
      ConsistentRead: true,
    }),
  );
  if (!out.Item?.studentId) return undefined;
  return { studentId: out.Item.studentId as string, ...(out.Item.assignedAdminId ? { assignedAdminId: out.Item.assignedAdminId as string } : {}) };
}

/**
 * Adds a user to a chat's explicit participants (an admin assigned to the task after its chat was opened):
 * the participant list and the member item in one transaction, conditional on not being there yet.
 */
async function joinChat(db: Db, chat: Chat, userId: string, now: Date): Promise<Chat> {
  try {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: db.tableName,
              Key: chatKeys.chat(chat.id),
              UpdateExpression: 'SET participantIds = list_append(participantIds, :me), updatedAt = :now',
              ConditionExpression: 'attribute_exists(pk) AND NOT contains(participantIds, :id)',
              ExpressionAttributeValues: { ':me': [userId], ':id': userId, ':now': now.toISOString() },
            },
          },
          {
            // The joiner starts with everything read: history before the assignment is not "new" to act on.
            Put: {
              TableName: db.tableName,
              Item: toMemberItem({ chatId: chat.id, userId, readSeq: chat.messageSeq }, { type: chat.type, lastActivityAt: chat.lastActivityAt }),
            },
          },
        ],
      }),
    );
  } catch (err) {
    if (!transactionItemFailed(err, 0)) throw err;
  }
  return (await getChatById(db, chat.id))!;
}

/**
 * The task's chat between its student and its assigned admin, created on first use. The task's student and
 * any admin may open it; for anyone else the task does not exist. An admin assigned after the chat was
 * created becomes a participant when the chat is opened again (earlier participants stay).
 */
export async function openTaskChat(db: Db, actor: AuthUser, taskId: string, now: Date): Promise<Opened> {
  const task = await readTaskParties(db, taskId);
  if (!task || (actor.role === 'student' && task.studentId !== actor.id)) throw notFound('Task');
  const participants = [task.studentId, ...(task.assignedAdminId ? [task.assignedAdminId] : [])];
  const existingId = await getTaskChatId(db, taskId);
  let chat: Chat;
  let created = false;
  if (existingId) {
    chat = await chatOfSentinel(db, existingId);
  } else {
    const fresh = newChat({ type: 'task', studentId: task.studentId, participantIds: participants, taskId, createdBy: actor.id, now });
    created = await createChat(db, fresh, chatKeys.taskSentinel(taskId));
    chat = created ? fresh : await chatOfSentinel(db, (await getTaskChatId(db, taskId))!);
  }
  for (const userId of participants) {
    if (!chat.participantIds.includes(userId)) chat = await joinChat(db, chat, userId, now);
  }
  return { chat: await viewFor(db, chat, actor), created };
}

/** A new direct chat an admin opens with a student (the spec's "admins can initiate new chats"). */
export async function openGeneralChat(db: Db, actor: AuthUser, studentId: string, now: Date): Promise<Opened> {
  const student = await getUserById(db, studentId);
  if (!student || student.role !== 'student') throw notFound('Student');
  const chat = newChat({ type: 'general', studentId, participantIds: [studentId, actor.id], createdBy: actor.id, now });
  await createChat(db, chat);
  return { chat: await viewFor(db, chat, actor), created: true };
}

/** POST /chats: dispatches on `type`. */
export async function openChat(db: Db, actor: AuthUser, body: { type: ChatType; studentId?: string; taskId?: string }, now: Date): Promise<Opened> {
  switch (body.type) {
    case 'task':
      return openTaskChat(db, actor, body.taskId!, now);
    case 'support': {
      const studentId = body.studentId ?? (actor.role === 'student' ? actor.id : undefined);
      if (!studentId) throw validationError('studentId', 'is required when an admin opens a support chat');
      return openSupportChat(db, actor, studentId);
    }
    case 'general':
      if (actor.role !== 'admin') throw forbidden('Only admins open general chats; students use their support chat');
      if (!body.studentId) throw validationError('studentId', 'is required for a general chat');
      return openGeneralChat(db, actor, body.studentId, now);
  }
}

export async function getChatView(db: Db, actor: AuthUser, chatId: string): Promise<ChatView> {
  return viewFor(db, await loadChatFor(db, chatId, actor), actor);
}

// ---- Lists ----------------------------------------------------------------------------------------

export interface ListChatsInput {
  type?: ChatType;
  limit: number;
  cursor?: string;
  page?: number;
}

/**
 * One page of the caller's chats, newest activity first.
 * - Student, or admin with type task|general: the caller's member items (gsi1 `USERCHATS#<id>`, or gsi2
 *   `USERCHATS#<id>#<type>`), then one BatchGet of the chats and their users.
 * - Admin with type=support: the support queue, gsi2 `SUPPORTQUEUE` (the chat items: chats with messages by
 *   last message, then chats without by the student's sign-up), then one BatchGet of the students and the
 *   admin's read positions.
 * - Admin without a type: both of the above merged by sort key (two Queries per page).
 */
export async function listChats(db: Db, actor: AuthUser, input: ListChatsInput): Promise<Page<ChatView>> {
  // `page` without a cursor reads and skips the chats before it, within the request's read budget (queryPage).
  return listChatsPage(db, actor, input);
}

type RawEntry = { kind: 'chat'; chat: Chat } | { kind: 'member'; member: ChatMember };

function fromListItem(item: Record<string, unknown>): RawEntry {
  return item.entity === 'chatMember' ? { kind: 'member', member: fromMemberItem(item) } : { kind: 'chat', chat: fromChatItem(item) };
}

async function rawChatPage(db: Db, actor: AuthUser, input: ListChatsInput): Promise<Page<RawEntry>> {
  const page = { limit: input.limit, cursor: input.cursor, page: input.page };
  if (actor.role === 'admin' && input.type === 'support') {
    return queryPage(db, { index: 'gsi2', partition: { name: 'gsi2pk', value: chatKeys.supportQueue().gsi2pk }, ascending: false }, page, fromListItem);
  }
  if (actor.role === 'admin' && !input.type) return mergedAdminPage(db, actor.id, page);
  if (input.type) {
    return queryPage(db, { index: 'gsi2', partition: { name: 'gsi2pk', value: chatKeys.byUserType(actor.id, input.type).gsi2pk }, ascending: false }, page, fromListItem);
  }
  return queryPage(db, { index: 'gsi1', partition: { name: 'gsi1pk', value: chatKeys.byUser(actor.id).gsi1pk }, ascending: false }, page, fromListItem);
}

async function listChatsPage(db: Db, actor: AuthUser, input: ListChatsInput): Promise<Page<ChatView>> {
  const raw = await rawChatPage(db, actor, input);
  const members = new Map<string, ChatMember>();
  const chatsById = new Map<string, Chat>();
  for (const e of raw.items) {
    if (e.kind === 'member') members.set(e.member.chatId, e.member);
    else chatsById.set(e.chat.id, e.chat);
  }
  // Member entries name their chat; read those chats in one BatchGet.
  const missing = [...members.keys()].filter((id) => !chatsById.has(id));
  if (missing.length) {
    for (const item of await batchGetItems(db, missing.map((id) => chatKeys.chat(id)))) {
      const chat = fromChatItem(item);
      chatsById.set(chat.id, chat);
    }
  }
  const ordered = raw.items
    .map((e) => chatsById.get(e.kind === 'chat' ? e.chat.id : e.member.chatId))
    .filter((c): c is Chat => Boolean(c));
  // Admin lists that read chat items still need the admin's read positions: chatViews fetches them.
  const allFromMembers = raw.items.every((e) => e.kind === 'member');
  const views = await chatViews(db, ordered, actor.id, allFromMembers ? members : undefined);
  return { items: views, nextCursor: raw.nextCursor };
}

/**
 * An admin's whole list: every support chat (gsi1 SUPPORTCHATS) and the admin's own task/general chats
 * (gsi1 USERCHATS#<adminId>) — disjoint, since admins are never explicit members of support chats. Both are
 * sorted by the same `<lastActivityAt>#<chatId>` key, so a page is the top `limit` of two descending Queries
 * below the cursor's key (the cursor is that key, not a DynamoDB position). `page` without a cursor reads the
 * top (page - 1) x limit + limit + 1 of each partition and skips the first (page - 1) x limit of the merge,
 * within the request's read budget: past it, the cursor carries the rest of the walk (`skip`).
 */
async function mergedAdminPage(db: Db, adminId: string, page: PageRequest): Promise<Page<RawEntry>> {
  const decoded = decodeCursor(page.cursor);
  const below = decoded ? decoded.mergedBelow : undefined;
  if (decoded && typeof below !== 'string') throw validationError('cursor', 'cursor belongs to another list');
  const owed = decoded?.skip;
  if (owed !== undefined && !(typeof owed === 'number' && Number.isInteger(owed) && owed >= 1 && owed <= 5000)) {
    throw validationError('cursor', 'cursor is malformed or from another list');
  }
  const skip = decoded ? ((owed as number | undefined) ?? 0) : page.page && page.page > 1 ? (page.page - 1) * page.limit : 0;
  const budget = page.budget ?? newReadBudget();
  const perPartition = Math.max(1, Math.min(skip + page.limit + 1, Math.floor(budget.remaining / 2)));
  const partitions = [chatKeys.allSupport().gsi1pk, chatKeys.byUser(adminId).gsi1pk];
  const results = await Promise.all(
    partitions.map((pk) =>
      db.doc.send(
        new QueryCommand({
          TableName: db.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: below ? 'gsi1pk = :pk AND gsi1sk < :below' : 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': pk, ...(below ? { ':below': below } : {}) },
          ScanIndexForward: false,
          Limit: perPartition,
        }),
      ),
    ),
  );
  for (const r of results) {
    budget.remaining -= r.ScannedCount ?? 0;
    budget.read += r.ScannedCount ?? 0;
  }
  const sortKey = (item: Record<string, unknown>) => String(item.gsi1sk);
  // A partition with more below what was read makes the merge complete only down to the last key read from it.
  let floor: string | undefined;
  for (const r of results) {
    const last = r.Items?.at(-1);
    if (r.LastEvaluatedKey && last && (floor === undefined || sortKey(last) > floor)) floor = sortKey(last);
  }
  const complete = results
    .flatMap((r) => r.Items ?? [])
    .filter((item) => floor === undefined || sortKey(item) >= floor)
    .sort((a, b) => (sortKey(a) < sortKey(b) ? 1 : sortKey(a) > sortKey(b) ? -1 : 0));
  const rest = complete.slice(skip);
  if (rest.length > page.limit) {
    const items = rest.slice(0, page.limit);
    return { items: items.map(fromListItem), nextCursor: encodeCursor({ mergedBelow: sortKey(items[items.length - 1]) }) };
  }
  if (floor === undefined) return { items: rest.map(fromListItem) };
  // The budget ran out before the page filled: what is complete so far, and a cursor that continues (the walk too).
  const lastRead = complete.at(-1);
  const nextCursor = encodeCursor({ mergedBelow: lastRead ? sortKey(lastRead) : below, ...(skip > complete.length ? { skip: skip - complete.length } : {}) });
  return { items: rest.map(fromListItem), nextCursor };
}
