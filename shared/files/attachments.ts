// What other domains call to reference files safely (task attachments, deliverable submissions, message
// attachments):
//
//   const files = await assertAttachableFiles(db, { fileIds: body.attachments, actor: auth, target });
//   await db.doc.send(new TransactWriteCommand({ TransactItems: [
//     { Put: { ...yourItem } },                       // index 0
//     ...attachFilesTransactItems(files, target, db), // indexes 1..n
//   ] }));
//   // on TransactionCanceledException: throwIfAttachmentFailed(err, files, 1)
//   const attachments = await Promise.all(files.map((f) => fileSummary(f)));
//
// The check reads the records (BatchGetItem); the transaction items re-check what could have changed in
// between (still confirmed, not attached elsewhere), so a race ends in 409 rather than a file in two places.
import type { Db } from '../db/client.ts';
import { getDb } from '../db/client.ts';
import type { AuthUser } from '../auth/tokens.ts';
import { attachmentRef, fileKeys, getFilesByIds, type FileRecord } from '../db/entities/file.ts';
import { cancellationReasons } from '../db/errors.ts';
import { AppError, conflict } from '../errors.ts';
import { canManageFile } from './ownership.ts';
import { quotaPolicy, unattachedExpiry, type QuotaPolicy } from './quota.ts';
import { fileSummary, type FileSummary } from './view.ts';
import type { Storage } from '../storage/s3.ts';

export { fileSummary, type FileSummary } from './view.ts';

export type AttachTarget =
  | { kind: 'task'; taskId: string }
  | { kind: 'chat'; chatId: string }
  | { kind: 'deliverable'; taskId: string; deliverableId: string };

/** DynamoDB allows 100 items per transaction; callers add their own, so keep room. */
export const MAX_ATTACHMENTS_PER_WRITE = 20;

export function refOf(target: AttachTarget): string {
  switch (target.kind) {
    case 'task':
      return attachmentRef.task(target.taskId);
    case 'chat':
      return attachmentRef.chat(target.chatId);
    case 'deliverable':
      return attachmentRef.deliverable(target.taskId, target.deliverableId);
  }
}

const targetTaskId = (t: AttachTarget) => (t.kind === 'chat' ? undefined : t.taskId);
const targetChatId = (t: AttachTarget) => (t.kind === 'chat' ? t.chatId : undefined);

function badFile(field: string, fileId: string, issue: string): AppError {
  return new AppError('VALIDATION_ERROR', `File ${fileId} cannot be attached: ${issue}`, { field, fileId, issue });
}

export interface AssertAttachableInput {
  fileIds: readonly string[];
  actor: AuthUser;
  target: AttachTarget;
  /** Name of the request field the ids came from, for the error's `details.field` (default `attachments`). */
  field?: string;
  now?: Date;
}

/**
 * Loads the files and checks each may be attached to `target` by `actor`; returns the records in the
 * order given (duplicates dropped). Throws 400 VALIDATION_ERROR naming the first bad id when a file does
 * not exist (or its pending upload expired), is not confirmed, is an avatar, is not the actor's (admins
 * may attach anyone's), or already belongs to another task, chat or deliverable.
 */
export async function assertAttachableFiles(db: Db, input: AssertAttachableInput): Promise<FileRecord[]> {
  const field = input.field ?? 'attachments';
  const ids = [...new Set(input.fileIds)];
  if (ids.length === 0) return [];
  if (ids.length > MAX_ATTACHMENTS_PER_WRITE) {
    throw new AppError('VALIDATION_ERROR', `At most ${MAX_ATTACHMENTS_PER_WRITE} files can be attached at once`, {
      field,
      issue: `at most ${MAX_ATTACHMENTS_PER_WRITE} files`,
    });
  }
  const found = await getFilesByIds(db, ids, input.now);
  const ref = refOf(input.target);
  const taskId = targetTaskId(input.target);
  const chatId = targetChatId(input.target);
  return ids.map((id) => {
    const file = found.get(id);
    // A file the actor may not manage is reported exactly like a missing one, so ids cannot be probed.
    if (!file || !canManageFile(input.actor, file)) throw badFile(field, id, 'file does not exist');
    if (file.status !== 'confirmed') throw badFile(field, id, 'upload is not confirmed yet (POST /files/{fileId}/confirm)');
    if (file.category === 'avatar') throw badFile(field, id, 'avatars cannot be attached');
    if (file.attachedTo && file.attachedTo !== ref) throw badFile(field, id, 'file is already attached elsewhere');
    if (taskId && file.taskId && file.taskId !== taskId) throw badFile(field, id, 'file belongs to another task');
    if (chatId && file.chatId && file.chatId !== chatId) throw badFile(field, id, 'file belongs to another chat');
    return file;
  });
}

/**
 * TransactWrite Update items that attach the files to `target` (sets attachedTo and taskId/deliverableId or
 * chatId, and clears the unattached upload's expiry). Each is conditioned on the file still existing, being
 * confirmed and not expired, and being unattached or already attached to this very target, so re-attaching
 * is idempotent and a concurrent attach elsewhere (or the file's expiry) cancels the caller's transaction.
 */
export function attachFilesTransactItems(files: readonly FileRecord[], target: AttachTarget, db: Pick<Db, 'tableName'> = getDb(), now: Date = new Date()) {
  const ref = refOf(target);
  return files.map((file) => {
    const names: Record<string, string> = { '#status': 'status', '#attachedTo': 'attachedTo', '#expiresAt': 'expiresAt' };
    const values: Record<string, unknown> = { ':ref': ref, ':confirmed': 'confirmed', ':now': Math.floor(now.getTime() / 1000) };
    const sets = ['#attachedTo = :ref'];
    const conditions = [
      'attribute_exists(pk)',
      '#status = :confirmed',
      '(attribute_not_exists(#expiresAt) OR #expiresAt > :now)',
      '(attribute_not_exists(#attachedTo) OR #attachedTo = :ref)',
    ];
    if (target.kind === 'chat') {
      names['#chatId'] = 'chatId';
      values[':chatId'] = target.chatId;
      sets.push('#chatId = :chatId');
      conditions.push('(attribute_not_exists(#chatId) OR #chatId = :chatId)');
    } else {
      names['#taskId'] = 'taskId';
      values[':taskId'] = target.taskId;
      sets.push('#taskId = :taskId');
      conditions.push('(attribute_not_exists(#taskId) OR #taskId = :taskId)');
      if (target.kind === 'deliverable') {
        names['#deliverableId'] = 'deliverableId';
        values[':deliverableId'] = target.deliverableId;
        sets.push('#deliverableId = :deliverableId');
      }
    }
    return {
      Update: {
        TableName: db.tableName,
        Key: fileKeys.file(file.id),
        UpdateExpression: `SET ${sets.join(', ')} REMOVE #expiresAt`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  });
}

/**
 * TransactWrite Update items that undo an attachment (when the task, deliverable or message that
 * referenced the files goes away), so the owner may delete them again. The task context (taskId) stays:
 * the file still belongs to that task's participants. An unattached file expires again (as an upload
 * that was never attached), unless something attaches it meanwhile.
 */
export function detachFilesTransactItems(
  fileIds: readonly string[],
  target: AttachTarget,
  db: Pick<Db, 'tableName'> = getDb(),
  now: Date = new Date(),
  policy: QuotaPolicy = quotaPolicy(),
) {
  const ref = refOf(target);
  const remove = target.kind === 'chat' ? 'attachedTo, chatId' : target.kind === 'deliverable' ? 'attachedTo, deliverableId' : 'attachedTo';
  return [...new Set(fileIds)].map((id) => ({
    Update: {
      TableName: db.tableName,
      Key: fileKeys.file(id),
      UpdateExpression: `SET expiresAt = :expiresAt REMOVE ${remove}`,
      ConditionExpression: 'attachedTo = :ref',
      ExpressionAttributeValues: { ':ref': ref, ':expiresAt': unattachedExpiry(now, policy) },
    },
  }));
}

/**
 * After a TransactionCanceledException: if one of the attach items (starting at `firstIndex` in the
 * caller's TransactItems) failed its condition, throws 409 CONFLICT naming the file; otherwise returns.
 */
export function throwIfAttachmentFailed(err: unknown, files: readonly Pick<FileRecord, 'id'>[], firstIndex: number): void {
  const reasons = cancellationReasons(err);
  if (!reasons) return;
  files.forEach((file, i) => {
    if (reasons[firstIndex + i] === 'ConditionalCheckFailed') {
      throw conflict(`File ${file.id} changed meanwhile (deleted or attached elsewhere); nothing was saved`, { fileId: file.id });
    }
  });
}

/**
 * Summaries of the given files in the given order, for responses that embed attachments by id. Ids
 * whose record is missing or not confirmed are skipped. One BatchGetItem per 100 ids, no S3 calls.
 */
export async function loadFileSummaries(
  db: Db,
  fileIds: readonly string[],
  options: { storage?: Storage; now?: Date } = {},
): Promise<FileSummary[]> {
  if (fileIds.length === 0) return [];
  const found = await getFilesByIds(db, fileIds, options.now);
  const files = [...new Set(fileIds)].map((id) => found.get(id)).filter((f): f is FileRecord => f?.status === 'confirmed');
  return Promise.all(files.map((f) => fileSummary(f, options)));
}
