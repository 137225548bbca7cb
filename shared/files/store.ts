// Storing files that arrived in a request body (POST /files/upload; other multipart endpoints such as
// deliverable submission may call storeUploadedFiles too). Objects first, then all records and the owner's
// storage usage in one transaction; if the records cannot be written (or the quota is full) the objects are
// deleted, so nothing is half-stored.
import type { Db } from '../db/client.ts';
import { transactionItemFailed } from '../db/errors.ts';
import { transact } from '../db/transact.ts';
import type { Storage } from '../storage/s3.ts';
import type { AuthUser } from '../auth/tokens.ts';
import type { UploadedFile } from '../http/multipart.ts';
import type { Logger } from '../log.ts';
import { getConfig } from '../config.ts';
import { newId } from '../ids.ts';
import { AppError, payloadTooLarge, validationError } from '../errors.ts';
import { objectKeys, toFileItem, type FileCategory, type FileRecord } from '../db/entities/file.ts';
import { resolveFileType, storedContentType, type ResolvedType } from '../storage/sniff.ts';
import { canSeeTask } from './access.ts';
import { cleanOriginalName, safeObjectName } from './names.ts';
import { assertRoomFor, quotaExceededNow, quotaPolicy, reserveStorage, unattachedExpiry, type QuotaPolicy } from './quota.ts';

export interface FileLimits {
  /** Per file, multipart uploads (also enforced while parsing). */
  maxUploadBytes: number;
  /** Per avatar, either path. */
  maxAvatarBytes: number;
  /** Per file, direct-to-S3 uploads. */
  maxDirectUploadBytes: number;
}

export interface FilesDeps {
  db: Db;
  storage: Storage;
  now: Date;
  log?: Logger;
  limits?: FileLimits;
  /** Default: STORAGE_QUOTA_BYTES and UNATTACHED_FILE_TTL_SECONDS from the configuration. */
  quota?: QuotaPolicy;
}

/**
 * Sum of the files of one multipart request. A synchronous Lambda invocation carries at most 6 MB and
 * API Gateway base64-encodes binary bodies (x4/3), so ~4.4 MB of form data is the most that reaches the
 * function; 4 MiB leaves room for the form's boundaries and the event's headers. Bigger files go
 * straight to S3 (POST /files/upload-url).
 */
export const MAX_UPLOAD_REQUEST_BYTES = 4 * 1024 * 1024;

export const MAX_FILES_PER_UPLOAD = 10;

export function limitsOf(deps: Pick<FilesDeps, 'limits'>): FileLimits {
  if (deps.limits) return deps.limits;
  const c = getConfig();
  return { maxUploadBytes: c.MAX_UPLOAD_BYTES, maxAvatarBytes: c.MAX_AVATAR_BYTES, maxDirectUploadBytes: c.MAX_DIRECT_UPLOAD_BYTES };
}

/** Category rules shared by both upload paths: avatars are images within their own size limit. */
export function checkCategory(category: FileCategory, type: ResolvedType, size: number, name: string, limits: FileLimits, field: string): void {
  if (category !== 'avatar') return;
  if (type.kind !== 'image') throw validationError(field, `an avatar must be an image (jpeg, png, gif, webp), "${name}" is not`);
  if (size > limits.maxAvatarBytes) {
    throw payloadTooLarge(`Avatar "${name}" is larger than ${limits.maxAvatarBytes} bytes`, { field, maxBytes: limits.maxAvatarBytes });
  }
}

/** A task id given as upload context must name a task the caller can see; otherwise 404, as for any unseen task. */
export async function assertTaskContext(db: Db, actor: AuthUser, taskId: string | undefined): Promise<void> {
  if (taskId && !(await canSeeTask(db, actor, taskId))) {
    throw new AppError('NOT_FOUND', 'Task not found', { field: 'taskId' });
  }
}

export interface StoreUploadedFilesInput {
  actor: AuthUser;
  category: FileCategory;
  taskId?: string;
  files: readonly UploadedFile[];
  /** Request field named in errors (default `files`). */
  field?: string;
}

/**
 * Checks and stores the files of one request; returns their (confirmed) records in request order. Each
 * expires after UNATTACHED_FILE_TTL_SECONDS unless attached meanwhile (avatars never).
 * 400 for no file, an empty file, or a type outside the allowlist / contradicted by the bytes;
 * 413 past the per-file or per-request size or the owner's storage quota; 404 for a task the caller cannot see.
 */
export async function storeUploadedFiles(deps: FilesDeps, input: StoreUploadedFilesInput): Promise<FileRecord[]> {
  const field = input.field ?? 'files';
  const limits = limitsOf(deps);
  if (input.files.length === 0) throw validationError(field, 'at least one file is required');
  if (input.files.length > MAX_FILES_PER_UPLOAD) {
    throw payloadTooLarge(`At most ${MAX_FILES_PER_UPLOAD} files per request`, { field, maxFiles: MAX_FILES_PER_UPLOAD });
  }
  const total = input.files.reduce((sum, f) => sum + f.size, 0);
  if (total > MAX_UPLOAD_REQUEST_BYTES) {
    throw payloadTooLarge(`Files of one request may total at most ${MAX_UPLOAD_REQUEST_BYTES} bytes; upload big files with POST /files/upload-url`, {
      field,
      maxRequestBytes: MAX_UPLOAD_REQUEST_BYTES,
    });
  }

  const policy = quotaPolicy(deps.quota);
  const createdAt = deps.now.toISOString();
  const expiresAt = input.category === 'avatar' ? undefined : unattachedExpiry(deps.now, policy);
  const records = input.files.map((upload): FileRecord => {
    const originalName = cleanOriginalName(upload.filename);
    if (upload.size === 0) throw validationError(field, `file "${originalName}" is empty`);
    if (upload.size > limits.maxUploadBytes) {
      throw payloadTooLarge(`File "${originalName}" is larger than ${limits.maxUploadBytes} bytes`, { field, maxBytes: limits.maxUploadBytes });
    }
    const type = resolveFileType({ fileName: originalName, declaredMime: upload.mimeType, head: upload.content, field });
    checkCategory(input.category, type, upload.size, originalName, limits, field);
    const id = newId('file', deps.now);
    const name = safeObjectName(originalName);
    return {
      id,
      ownerId: input.actor.id,
      category: input.category,
      status: 'confirmed',
      ...(input.taskId ? { taskId: input.taskId } : {}),
      s3Key: objectKeys.confirmed(input.actor.id, id, name),
      name,
      originalName,
      size: upload.size,
      mime: type.mime,
      createdAt,
      confirmedAt: createdAt,
      quotaBytes: upload.size,
      ...(expiresAt ? { expiresAt } : {}),
    };
  });
  await assertTaskContext(deps.db, input.actor, input.taskId);
  // Refused before any object is written when it cannot fit; the transaction below enforces it.
  await assertRoomFor(deps.db, input.actor, total, policy, field);
  const reserve = reserveStorage(deps.db.tableName, input.actor, total, records.length, policy, field);

  const { s3, bucket } = deps.storage;
  const written: string[] = [];
  const removeWritten = async () => {
    // One DELETE per object (at most MAX_FILES_PER_UPLOAD): a multi-object delete needs an XML body with a checksum.
    const outcomes = await Promise.allSettled(written.map((Key) => s3.deleteObject({ Bucket: bucket, Key })));
    const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [{ key: written[i], error: o.reason as unknown }] : []));
    if (failed.length) deps.log?.error('could not delete the objects of a failed upload', { keys: failed.map((f) => f.key), error: failed[0].error });
  };
  try {
    await Promise.all(
      records.map(async (record, i) => {
        await s3.putObject({
          Bucket: bucket,
          Key: record.s3Key,
          Body: input.files[i].content,
          ContentType: storedContentType(record.mime),
          // S3 metadata is ASCII; the name is kept (encoded) so an object can be traced without the table.
          Metadata: { 'file-id': record.id, 'owner-id': record.ownerId, 'original-name': encodeURIComponent(record.originalName) },
        });
        written.push(record.s3Key);
      }),
    );
    await transact(deps.db, [
      ...records.map((record) => ({
        Put: { TableName: deps.db.tableName, Item: toFileItem(record), ConditionExpression: 'attribute_not_exists(pk)' },
      })),
      reserve,
    ]);
  } catch (err) {
    await removeWritten();
    if (transactionItemFailed(err, records.length)) throw await quotaExceededNow(deps.db, input.actor, total, policy, field);
    throw err;
  }
  return records;
}
