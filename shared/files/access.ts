// Who may see a file: its owner, admins, and the participants of the task or chat it belongs to.
// All participant resolution lives here, so a change in how tasks or chats record their members is one edit.
//
// Anyone else is told the file does not exist (404), never 403: a file id must not confirm that a file
// exists to someone who may not see it. The same holds for download and signed-url.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../db/client.ts';
import type { AuthUser } from '../auth/tokens.ts';
import { taskKeys } from '../db/entities/task.ts';
import { chatKeys, isChatParticipant, type Chat } from '../db/entities/chat.ts';
import type { FileRecord } from '../db/entities/file.ts';
import { notFound } from '../errors.ts';
import { canManageFile } from './ownership.ts';

async function getItem(db: Db, key: Record<string, unknown>, projection: string[]): Promise<Record<string, unknown> | undefined> {
  const names = Object.fromEntries(projection.map((p, i) => [`#p${i}`, p]));
  const out = await db.doc.send(
    new GetCommand({
      TableName: db.tableName,
      Key: key,
      ProjectionExpression: Object.keys(names).join(', '),
      ExpressionAttributeNames: names,
    }),
  );
  return out.Item;
}

/** True when the actor may see the task: any admin (when it exists), its student, or its assigned admin. */
export async function canSeeTask(db: Db, actor: AuthUser, taskId: string): Promise<boolean> {
  const task = await getItem(db, taskKeys.task(taskId), ['pk', 'studentId', 'assignedAdminId']);
  if (!task) return false;
  if (actor.role === 'admin') return true;
  return task.studentId === actor.id || task.assignedAdminId === actor.id;
}

/** True when the actor takes part in the chat (the chat entity's own rule: explicit participants, admins in support chats). */
export async function canSeeChat(db: Db, actor: AuthUser, chatId: string): Promise<boolean> {
  const chat = await getItem(db, chatKeys.chat(chatId), ['pk', 'type', 'participantIds']);
  if (!chat) return false;
  return isChatParticipant({ type: chat.type as Chat['type'], participantIds: (chat.participantIds as string[] | undefined) ?? [] }, actor);
}

export { canManageFile };

/**
 * True when the actor may read the confirmed file. Owner and admins need no read; a participant costs one
 * GetItem per place the file belongs to (task, then chat), stopping at the first that grants access.
 */
export async function canReadFile(db: Db, actor: AuthUser, file: FileRecord): Promise<boolean> {
  if (file.status !== 'confirmed') return false;
  if (canManageFile(actor, file)) return true;
  if (file.taskId && (await canSeeTask(db, actor, file.taskId))) return true;
  if (file.chatId && (await canSeeChat(db, actor, file.chatId))) return true;
  return false;
}

/** Throws 404 NOT_FOUND unless the actor may read the file (absent, pending and forbidden look alike). */
export async function assertCanReadFile(db: Db, actor: AuthUser, file: FileRecord | undefined): Promise<FileRecord> {
  if (!file || !(await canReadFile(db, actor, file))) throw notFound('File');
  return file;
}
