// The file entity: one record per stored object (task attachment, deliverable, chat attachment, avatar).
// Object keys are made here and nowhere else; clients never choose them.
import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';

export const FILE_CATEGORIES = ['task_attachment', 'deliverable', 'avatar', 'chat_attachment'] as const;
export type FileCategory = (typeof FILE_CATEGORIES)[number];

/** `pending`: a direct upload was granted but not confirmed yet (invisible, unusable); `confirmed`: usable. */
export type FileStatus = 'pending' | 'confirmed';

/**
 * What a file is attached to, as one comparable string (`task#<taskId>`, `chat#<chatId>`,
 * `deliverable#<taskId>#<deliverableId>`). Set in the same transaction as the owning write; an attached
 * file cannot be deleted (409) nor attached elsewhere.
 */
export type AttachmentRef = string;

export interface FileRecord {
  id: string;
  ownerId: string;
  category: FileCategory;
  status: FileStatus;
  /** Task the file belongs to: given as upload context, or set when attached to a task or deliverable. */
  taskId?: string;
  /** Chat the file was attached to (a message's attachment). */
  chatId?: string;
  deliverableId?: string;
  attachedTo?: AttachmentRef;
  /** S3 key, server-made: `uploads/<ownerId>/<fileId>/<name>` (confirmed) or `tmp/<ownerId>/<fileId>` (pending). */
  s3Key: string;
  /** Safe ASCII file name used in the key (`My-Document.pdf`). */
  name: string;
  /** The client's file name, cleaned of paths and control characters; only ever metadata. */
  originalName: string;
  size: number;
  mime: string;
  createdAt: string;
  confirmedAt?: string;
  /**
   * Epoch seconds after which the record is dead (DynamoDB TTL, and a check on every read because TTL deletes
   * late): a pending upload's grant + 1 h; a confirmed upload's confirm + UNATTACHED_FILE_TTL_SECONDS until it
   * is attached (and again once detached). Attached files and avatars have none.
   */
  expiresAt?: number;
  /**
   * Bytes this record holds in its owner's storage usage (`STORAGE#<ownerId>`), counted when it became
   * confirmed and given back when it is deleted or expires. Absent on pending records (and on records
   * written before the quota existed, which are not counted).
   */
  quotaBytes?: number;
  /** Pending records only, while one confirm request works on it: its token and deadline (epoch ms). */
  confirmToken?: string;
  confirmingUntil?: number;
}

/** Partition key prefix and sort key of file records; the expiry function's stream filter selects on them. */
export const FILE_PK_PREFIX = 'FILE#';
export const FILE_SK = 'FILE';

export const fileKeys = {
  file: (fileId: string) => ({ pk: `${FILE_PK_PREFIX}${fileId}`, sk: FILE_SK }),
  /**
   * Written when an expired record's bytes are given back (with the usage update, conditionally), so a stream
   * record delivered twice releases them once. Lives two days (past every redelivery).
   */
  released: (fileId: string) => ({ pk: `${FILE_PK_PREFIX}${fileId}`, sk: 'RELEASED' }),
};

/** Per-user storage usage: `bytes` and `files` of the user's confirmed file records, kept in the same writes. */
export const STORAGE_PK_PREFIX = 'STORAGE#';
export const storageKeys = {
  usage: (userId: string) => ({ pk: `${STORAGE_PK_PREFIX}${userId}`, sk: 'USAGE' }),
};

export interface StorageUsage {
  bytes: number;
  files: number;
}

/** What the user stores now (strongly consistent); zero for a user who never uploaded. */
export async function getStorageUsage(db: Db, userId: string): Promise<StorageUsage> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: storageKeys.usage(userId), ConsistentRead: true }));
  return { bytes: Number(out.Item?.bytes ?? 0), files: Number(out.Item?.files ?? 0) };
}

/** Prefixes of the bucket; the CDK stack scopes the files function's IAM to these and expires `tmp/`. */
export const objectPrefixes = { uploads: 'uploads/', tmp: 'tmp/' } as const;

export const objectKeys = {
  confirmed: (ownerId: string, fileId: string, name: string) => `${objectPrefixes.uploads}${ownerId}/${fileId}/${name}`,
  pending: (ownerId: string, fileId: string) => `${objectPrefixes.tmp}${ownerId}/${fileId}`,
};

export const attachmentRef = {
  task: (taskId: string) => `task#${taskId}`,
  chat: (chatId: string) => `chat#${chatId}`,
  deliverable: (taskId: string, deliverableId: string) => `deliverable#${taskId}#${deliverableId}`,
};

export function toFileItem(file: FileRecord): Record<string, unknown> {
  return { ...fileKeys.file(file.id), entity: 'file', ...file };
}

export function fromFileItem(item: Record<string, unknown>): FileRecord {
  const { pk, sk, entity, ...file } = item;
  void pk, sk, entity;
  return file as unknown as FileRecord;
}

/** A record past its expiry is dead even before DynamoDB's TTL sweeper (which can lag by days) removes it. */
export function isExpired(file: FileRecord, now: Date): boolean {
  return file.expiresAt !== undefined && file.expiresAt * 1000 <= now.getTime();
}

/** The record, or undefined when absent or expired (an unconfirmed or unattached upload past its expiry). */
export async function getFileById(db: Db, fileId: string, now: Date = new Date()): Promise<FileRecord | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: fileKeys.file(fileId), ConsistentRead: true }));
  if (!out.Item) return undefined;
  const file = fromFileItem(out.Item);
  return isExpired(file, now) ? undefined : file;
}

/**
 * Records by id (BatchGetItem, 100 keys per call, unprocessed keys retried). Returns a map; missing and
 * expired ids are absent from it.
 */
export async function getFilesByIds(db: Db, fileIds: readonly string[], now: Date = new Date()): Promise<Map<string, FileRecord>> {
  const found = new Map<string, FileRecord>();
  const unique = [...new Set(fileIds)];
  for (let i = 0; i < unique.length; i += 100) {
    let keys: Record<string, unknown>[] | undefined = unique.slice(i, i + 100).map((id) => fileKeys.file(id));
    for (let attempt = 0; keys && keys.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
      if (attempt > 8) throw new Error('BatchGetItem kept returning unprocessed keys');
      const out = await db.doc.send(
        new BatchGetCommand({ RequestItems: { [db.tableName]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of out.Responses?.[db.tableName] ?? []) {
        const file = fromFileItem(item);
        if (!isExpired(file, now)) found.set(file.id, file);
      }
      keys = out.UnprocessedKeys?.[db.tableName]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return found;
}
