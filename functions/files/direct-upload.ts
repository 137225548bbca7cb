// Direct-to-S3 uploads for files too big for a Lambda payload: the API grants a presigned POST for a
// pending record, the browser sends the bytes to S3, and confirm checks what arrived before the file can
// be used. Pending objects live under tmp/ (a 1-day lifecycle rule removes abandoned ones); confirm
// copies the object to uploads/ so only checked files sit where nothing expires.
import { randomUUID } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthUser } from '#shared/auth/tokens.ts';
import { cancellationReasons, isConditionFailed } from '#shared/db/errors.ts';
import { transact } from '#shared/db/transact.ts';
import { AppError, conflict, notFound, payloadTooLarge } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import { fileKeys, getFileById, objectKeys, toFileItem, type FileCategory, type FileRecord } from '#shared/db/entities/file.ts';
import { presignPost, URL_TTL } from '#shared/storage/presign.ts';
import { resolveDeclaredType, resolveFileType, SNIFF_BYTES, storedContentType } from '#shared/storage/sniff.ts';
import { cleanOriginalName, safeObjectName } from '#shared/files/names.ts';
import { assertTaskContext, checkCategory, limitsOf, type FilesDeps } from '#shared/files/store.ts';
import { assertRoomFor, quotaExceededNow, quotaPolicy, reserveStorage, unattachedExpiry } from '#shared/files/quota.ts';

/** How long a pending record can be confirmed: the 10-minute upload window plus time for a slow upload. */
export const PENDING_TTL_SECONDS = 60 * 60;

export interface DirectUploadRequest {
  name: string;
  type: string;
  size: number;
  category: FileCategory;
  taskId?: string;
}

/**
 * Writes the pending record and returns the presigned POST for its tmp/ key. A file that would not fit the
 * caller's storage quota is refused here (413), before its bytes travel; confirm enforces the quota.
 */
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
  await assertRoomFor(deps.db, actor, input.size, quotaPolicy(deps.quota), 'size');

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
  return grantFor(deps, record);
}

/** A presigned POST for the record's tmp/ key: exactly its size and type. */
async function grantFor(deps: FilesDeps, record: FileRecord) {
  const upload = await presignPost(deps.storage, {
    key: objectKeys.pending(record.ownerId, record.id),
    contentType: storedContentType(record.mime),
    maxBytes: record.size,
    expiresInSeconds: URL_TTL.uploadSeconds,
  });
  return { fileId: record.id, upload: { url: upload.url, fields: upload.fields }, expiresAt: upload.expiresAt };
}

/**
 * The grant of an existing direct upload, signed again (a retried grant request gets a fresh policy for the same
 * record). 404 once the pending record has expired, or for anyone but its uploader.
 */
export async function directUploadGrant(deps: FilesDeps, actor: AuthUser, fileId: string) {
  const record = await getFileById(deps.db, fileId, deps.now);
  if (!record || record.ownerId !== actor.id) throw notFound('File');
  return grantFor(deps, record);
}

const isPreconditionFailed = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'PreconditionFailed' || e?.$metadata?.httpStatusCode === 412;
};

const isMissingObject = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
};

/**
 * How long one confirm may hold its claim on a pending record. Longer than the function's timeout, so a
 * claim only outlives its holder when the holder died; then the next confirm takes over.
 */
export const CONFIRM_CLAIM_MS = 30_000;
/** How long a confirm that finds another one at work waits for it before answering 409. */
const CONFIRM_WAIT_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Checks the uploaded object (HeadObject: size and Content-Type; ranged GET: the leading bytes), moves it
 * to uploads/ and marks the record confirmed. One confirm at a time does the work: it first claims the
 * pending record (conditional update with a token and a deadline); a concurrent confirm waits for it and
 * answers the same file (or 409 if it does not finish). Confirming a confirmed file returns it unchanged.
 * A rejected object is deleted and the claim released; the record stays pending until it expires, so the
 * client may upload again while its POST policy is valid.
 */
export async function confirmDirectUpload(deps: FilesDeps, actor: AuthUser, fileId: string): Promise<FileRecord> {
  const record = await getFileById(deps.db, fileId, deps.now);
  // Only the uploader confirms; for anyone else the pending file does not exist.
  if (!record || record.ownerId !== actor.id) throw notFound('File');
  if (record.status === 'confirmed') return record;
  // Before any copying; the confirming transaction checks the quota again.
  await assertRoomFor(deps.db, actor, record.size, quotaPolicy(deps.quota), 'fileId');

  const token = randomUUID();
  if (!(await claimConfirm(deps, record, token))) return waitForConfirm(deps, fileId);
  let confirmed: FileRecord | undefined;
  try {
    confirmed = await checkAndConfirm(deps, actor, record, token);
    return confirmed;
  } finally {
    if (!confirmed) await releaseClaim(deps, record.id, token);
  }
}

async function claimConfirm(deps: FilesDeps, record: FileRecord, token: string): Promise<boolean> {
  const nowMs = deps.now.getTime();
  try {
    await deps.db.doc.send(
      new UpdateCommand({
        TableName: deps.db.tableName,
        Key: fileKeys.file(record.id),
        UpdateExpression: 'SET confirmToken = :token, confirmingUntil = :until',
        ConditionExpression:
          '#status = :pending AND ownerId = :owner AND expiresAt > :nowSeconds AND (attribute_not_exists(confirmingUntil) OR confirmingUntil < :nowMs)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':token': token,
          ':until': nowMs + CONFIRM_CLAIM_MS,
          ':pending': 'pending',
          ':owner': record.ownerId,
          ':nowSeconds': Math.floor(nowMs / 1000),
          ':nowMs': nowMs,
        },
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
}

async function releaseClaim(deps: FilesDeps, fileId: string, token: string): Promise<void> {
  await deps.db.doc
    .send(
      new UpdateCommand({
        TableName: deps.db.tableName,
        Key: fileKeys.file(fileId),
        UpdateExpression: 'REMOVE confirmToken, confirmingUntil',
        ConditionExpression: 'confirmToken = :token',
        ExpressionAttributeValues: { ':token': token },
      }),
    )
    .catch((err) => {
      // Not fatal: the claim lapses by itself after CONFIRM_CLAIM_MS.
      if (!isConditionFailed(err)) deps.log?.warn('could not release a confirm claim', { fileId, error: err });
    });
}

/** Another confirm holds the claim: wait for its outcome. */
async function waitForConfirm(deps: FilesDeps, fileId: string): Promise<FileRecord> {
  for (let waited = 0; waited <= CONFIRM_WAIT_MS; waited += 250) {
    const current = await getFileById(deps.db, fileId, deps.now);
    if (!current) throw notFound('File');
    if (current.status === 'confirmed') return current;
    if (current.confirmingUntil === undefined) break; // the other confirm gave up (its caller got the reason)
    await sleep(250);
  }
  throw conflict('This upload is being confirmed by another request or was just rejected; check it and retry', { fileId });
}

async function checkAndConfirm(deps: FilesDeps, actor: AuthUser, record: FileRecord, token: string): Promise<FileRecord> {
  const { s3, bucket } = deps.storage;
  const reject = async (issue: string): Promise<never> => {
    await s3.deleteObject({ Bucket: bucket, Key: record.s3Key }).catch((err) => deps.log?.warn('could not delete a rejected upload', { key: record.s3Key, error: err }));
    throw new AppError('VALIDATION_ERROR', `Upload of "${record.originalName}" was rejected: ${issue}`, { field: 'file', issue });
  };

  let head;
  try {
    head = await s3.headObject({ Bucket: bucket, Key: record.s3Key });
  } catch (err) {
    if (!isMissingObject(err)) throw err;
    throw new AppError('VALIDATION_ERROR', `Nothing was uploaded for "${record.originalName}" yet`, {
      field: 'fileId',
      issue: 'no uploaded object; POST the file to the upload URL first',
    });
  }
  if (head.ContentLength !== record.size) return reject(`size is ${head.ContentLength} bytes, ${record.size} were declared`);
  const storedType = (head.ContentType ?? '').split(';')[0].trim().toLowerCase();
  if (storedType !== record.mime) return reject(`type is "${head.ContentType ?? ''}", "${record.mime}" was declared`);

  // The upload policy stays valid after confirm starts, so the client could replace the object meanwhile:
  // the sniffed bytes and the copy are pinned to the object HeadObject saw (its ETag).
  const checked = head.ETag;
  const replaced = () => reject('the object was replaced while it was being checked; confirm again');
  let sample;
  try {
    sample = await s3.getObject({ Bucket: bucket, Key: record.s3Key, Range: `bytes=0-${SNIFF_BYTES - 1}`, IfMatch: checked });
  } catch (err) {
    if (isPreconditionFailed(err)) return replaced();
    throw err;
  }
  const headBytes = sample.Body;
  try {
    resolveFileType({ fileName: record.originalName, declaredMime: record.mime, head: headBytes, field: 'file' });
  } catch (err) {
    if (err instanceof AppError) return reject((err.details?.issue as string | undefined) ?? err.message);
    throw err;
  }

  const finalKey = objectKeys.confirmed(record.ownerId, record.id, record.name);
  let copied;
  try {
    copied = await s3.copyObject({
      Bucket: bucket,
      Key: finalKey,
      CopySource: `${bucket}/${record.s3Key}`,
      CopySourceIfMatch: checked,
      MetadataDirective: 'REPLACE',
      ContentType: storedContentType(record.mime),
      Metadata: { 'file-id': record.id, 'owner-id': record.ownerId, 'original-name': encodeURIComponent(record.originalName) },
    });
  } catch (err) {
    if (isPreconditionFailed(err)) return replaced();
    throw err;
  }
  // Also checked after the fact (an emulator may ignore the conditions): a copy of other bytes is undone.
  // Single-part SSE-S3 objects (the bucket's encryption) have their MD5 as ETag, so a faithful copy has the same one.
  if (!checked || copied.CopyObjectResult?.ETag !== checked) {
    await s3.deleteObject({ Bucket: bucket, Key: finalKey }).catch((err) => deps.log?.warn('could not delete a copy of a replaced upload', { key: finalKey, error: err }));
    return replaced();
  }
  // Confirmed and counted in the owner's storage usage together. Unattached uploads expire (avatars never).
  const policy = quotaPolicy(deps.quota);
  const { confirmToken: _t, confirmingUntil: _u, expiresAt: _e, ...rest } = record;
  void _t, _u, _e;
  const confirmed: FileRecord = {
    ...rest,
    status: 'confirmed',
    s3Key: finalKey,
    confirmedAt: deps.now.toISOString(),
    quotaBytes: record.size,
    ...(record.category === 'avatar' ? {} : { expiresAt: unattachedExpiry(deps.now, policy) }),
  };
  try {
    await transact(deps.db, [
      {
        Update: {
          TableName: deps.db.tableName,
          Key: fileKeys.file(record.id),
          UpdateExpression:
            confirmed.expiresAt === undefined
              ? 'SET #status = :confirmed, s3Key = :key, confirmedAt = :at, quotaBytes = :size REMOVE expiresAt, confirmToken, confirmingUntil'
              : 'SET #status = :confirmed, s3Key = :key, confirmedAt = :at, quotaBytes = :size, expiresAt = :expiresAt REMOVE confirmToken, confirmingUntil',
          // Still ours: pending, claimed by this request (a claim that lapsed and was taken over fails here).
          ConditionExpression: '#status = :pending AND confirmToken = :token',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':confirmed': 'confirmed',
            ':pending': 'pending',
            ':key': finalKey,
            ':at': confirmed.confirmedAt,
            ':token': token,
            ':size': record.size,
            ...(confirmed.expiresAt === undefined ? {} : { ':expiresAt': confirmed.expiresAt }),
          },
        },
      },
      reserveStorage(deps.db.tableName, actor, record.size, 1, policy, 'fileId'),
    ]);
  } catch (err) {
    const reasons = cancellationReasons(err);
    if (reasons?.[1] === 'ConditionalCheckFailed') {
      // Over the quota: the copy goes; the upload stays pending (until it expires), so the owner can free
      // space and confirm again.
      await s3.deleteObject({ Bucket: bucket, Key: finalKey }).catch((e) => deps.log?.warn('could not delete a copy refused by the quota', { key: finalKey, error: e }));
      throw await quotaExceededNow(deps.db, actor, record.size, policy, 'fileId');
    }
    if (reasons?.[0] !== 'ConditionalCheckFailed') throw err;
    const current = await getFileById(deps.db, record.id, deps.now);
    if (current?.status === 'confirmed') return current;
    throw notFound('File');
  }
  // The checked copy is in place; the tmp object would expire anyway, so a failed delete is only logged.
  await s3.deleteObject({ Bucket: bucket, Key: record.s3Key }).catch((err) => deps.log?.warn('could not delete a confirmed tmp object', { key: record.s3Key, error: err }));
  return confirmed;
}
