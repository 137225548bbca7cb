// Direct-to-S3 uploads for files too big for a Lambda payload: the API grants a presigned POST for a
// pending record, the browser sends the bytes to S3, and confirm checks what arrived before the file can
// be used. Pending objects live under tmp/ (a 1-day lifecycle rule removes abandoned ones); confirm
// copies the object to uploads/ so only checked files sit where nothing expires.
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthUser } from '#shared/auth/tokens.ts';
import { isConditionFailed } from '#shared/db/errors.ts';
import { AppError, notFound, payloadTooLarge } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import { fileKeys, fromFileItem, getFileById, objectKeys, toFileItem, type FileCategory, type FileRecord } from '#shared/db/entities/file.ts';
import { presignPost, URL_TTL } from '#shared/storage/presign.ts';
import { resolveDeclaredType, resolveFileType, SNIFF_BYTES, storedContentType } from '#shared/storage/sniff.ts';
import { cleanOriginalName, safeObjectName } from '#shared/files/names.ts';
import { assertTaskContext, checkCategory, limitsOf, type FilesDeps } from '#shared/files/store.ts';

/** How long a pending record can be confirmed: the 10-minute upload window plus time for a slow upload. */
export const PENDING_TTL_SECONDS = 60 * 60;

export interface DirectUploadRequest {
  name: string;
  type: string;
  size: number;
  category: FileCategory;
  taskId?: string;
}

/** Writes the pending record and returns the presigned POST for its tmp/ key. */
export async function requestDirectUpload(deps: FilesDeps, actor: AuthUser, input: DirectUploadRequest) {
  const limits = limitsOf(deps);
  const originalName = cleanOriginalName(input.name);
  // No bytes yet: the name and the declared type must agree; the bytes are checked at confirm.
  const type = resolveDeclaredType({ fileName: originalName, declaredMime: input.type, requireMime: true });
  if (input.size > limits.maxDirectUploadBytes) {
    throw payloadTooLarge(`Files may be at most ${limits.maxDirectUploadBytes} bytes`, { field: 'size', maxBytes: limits.maxDirectUploadBytes });
  }
  checkCategory(input.category, type, input.size, originalName, limits, 'type');
  await assertTaskContext(deps.db, actor, input.taskId);

  const id = newId('file', deps.now);
  const record: FileRecord = {
    id,
    ownerId: actor.id,
    category: input.category,
    status: 'pending',
    ...(input.taskId ? { taskId: input.taskId } : {}),
    s3Key: objectKeys.pending(actor.id, id),
    name: safeObjectName(originalName),
    originalName,
    size: input.size,
    mime: type.mime,
    createdAt: deps.now.toISOString(),
    expiresAt: Math.floor(deps.now.getTime() / 1000) + PENDING_TTL_SECONDS,
  };
  await deps.db.doc.send(
    new PutCommand({ TableName: deps.db.tableName, Item: toFileItem(record), ConditionExpression: 'attribute_not_exists(pk)' }),
  );
  const upload = await presignPost(deps.storage, {
    key: record.s3Key,
    contentType: storedContentType(record.mime),
    maxBytes: record.size,
    expiresInSeconds: URL_TTL.uploadSeconds,
  });
  return { fileId: id, upload: { url: upload.url, fields: upload.fields }, expiresAt: upload.expiresAt };
}

const isMissingObject = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
};

/**
 * Checks the uploaded object (HeadObject: size and Content-Type; ranged GET: the leading bytes), moves it
 * to uploads/ and marks the record confirmed, once (pending -> confirmed is conditional). Confirming a
 * confirmed file again returns it unchanged. A rejected object is deleted; the record stays pending until
 * it expires, so the client may upload again while its POST policy is valid.
 */
export async function confirmDirectUpload(deps: FilesDeps, actor: AuthUser, fileId: string): Promise<FileRecord> {
  const record = await getFileById(deps.db, fileId, deps.now);
  // Only the uploader confirms; for anyone else the pending file does not exist.
  if (!record || record.ownerId !== actor.id) throw notFound('File');
  if (record.status === 'confirmed') return record;

  const { s3, bucket } = deps.storage;
  const reject = async (issue: string) => {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: record.s3Key })).catch((err) => deps.log?.warn('could not delete a rejected upload', { key: record.s3Key, error: err }));
    return new AppError('VALIDATION_ERROR', `Upload of "${record.originalName}" was rejected: ${issue}`, { field: 'file', issue });
  };

  let head;
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: record.s3Key }));
  } catch (err) {
    if (isMissingObject(err)) {
      throw new AppError('VALIDATION_ERROR', `Nothing was uploaded for "${record.originalName}" yet`, { field: 'fileId', issue: 'no uploaded object; POST the file to the upload URL first' });
    }
    throw err;
  }
  if (head.ContentLength !== record.size) throw await reject(`size is ${head.ContentLength} bytes, ${record.size} were declared`);
  const storedType = (head.ContentType ?? '').split(';')[0].trim().toLowerCase();
  if (storedType !== record.mime) throw await reject(`type is "${head.ContentType ?? ''}", "${record.mime}" was declared`);

  const sample = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: record.s3Key, Range: `bytes=0-${SNIFF_BYTES - 1}` }));
  const headBytes = Buffer.from(await sample.Body!.transformToByteArray());
  try {
    resolveFileType({ fileName: record.originalName, declaredMime: record.mime, head: headBytes, field: 'file' });
  } catch (err) {
    if (err instanceof AppError) throw await reject((err.details?.issue as string | undefined) ?? err.message);
    throw err;
  }

  const finalKey = objectKeys.confirmed(record.ownerId, record.id, record.name);
  await s3.send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: finalKey,
      CopySource: `${bucket}/${record.s3Key}`,
      MetadataDirective: 'REPLACE',
      ContentType: storedContentType(record.mime),
      Metadata: { 'file-id': record.id, 'owner-id': record.ownerId, 'original-name': encodeURIComponent(record.originalName) },
    }),
  );
  const confirmedAt = deps.now.toISOString();
  try {
    const out = await deps.db.doc.send(
      new UpdateCommand({
        TableName: deps.db.tableName,
        Key: fileKeys.file(record.id),
        UpdateExpression: 'SET #status = :confirmed, s3Key = :key, confirmedAt = :at REMOVE expiresAt',
        ConditionExpression: '#status = :pending AND ownerId = :owner AND expiresAt > :nowSeconds',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':confirmed': 'confirmed',
          ':pending': 'pending',
          ':key': finalKey,
          ':at': confirmedAt,
          ':owner': actor.id,
          ':nowSeconds': Math.floor(deps.now.getTime() / 1000),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: record.s3Key })).catch((err) => deps.log?.warn('could not delete a confirmed tmp object', { key: record.s3Key, error: err }));
    return fromFileItem(out.Attributes!);
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    // A concurrent confirm won (same object, same final key: keep it), or the record expired meanwhile.
    const now = await getFileById(deps.db, fileId, deps.now);
    if (now?.status === 'confirmed') return now;
    throw notFound('File');
  }
}
