// Reading and deleting files: details, download redirect, signed URL, delete. Every read goes through
// assertCanReadFile, so absent, pending and not-yours look the same (404).
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthUser } from '#shared/auth/tokens.ts';
import { isConditionFailed } from '#shared/db/errors.ts';
import { conflict, forbidden, notFound } from '#shared/errors.ts';
import { fileKeys, getFileById, type FileRecord } from '#shared/db/entities/file.ts';
import { presignGet, URL_TTL, type SignedUrl } from '#shared/storage/presign.ts';
import { storedContentType } from '#shared/storage/sniff.ts';
import { assertCanReadFile, canManageFile } from '#shared/files/access.ts';
import { fileObject, type FileObject } from '#shared/files/view.ts';
import type { FilesDeps } from '#shared/files/store.ts';

async function readableFile(deps: FilesDeps, actor: AuthUser, fileId: string): Promise<FileRecord> {
  return assertCanReadFile(deps.db, actor, await getFileById(deps.db, fileId, deps.now));
}

export async function getFileDetails(deps: FilesDeps, actor: AuthUser, fileId: string): Promise<FileObject> {
  return fileObject(await readableFile(deps, actor, fileId), { storage: deps.storage, now: deps.now });
}

/** A presigned GET that makes the browser save the file under its original name, with its stored type. */
export async function downloadUrl(deps: FilesDeps, actor: AuthUser, fileId: string): Promise<SignedUrl> {
  const file = await readableFile(deps, actor, fileId);
  return presignGet(deps.storage, {
    key: file.s3Key,
    expiresInSeconds: URL_TTL.downloadSeconds,
    now: deps.now,
    contentType: storedContentType(file.mime),
    downloadName: file.originalName,
  });
}

export async function signedViewUrl(deps: FilesDeps, actor: AuthUser, fileId: string): Promise<SignedUrl> {
  const file = await readableFile(deps, actor, fileId);
  return presignGet(deps.storage, { key: file.s3Key, expiresInSeconds: URL_TTL.viewSeconds, now: deps.now });
}

/**
 * Deletes the record, then the object. Owner or admin only (a participant who may read it gets 403);
 * a pending upload may be cancelled the same way. While a task, deliverable or message references the
 * file the delete is refused with 409 (the condition is on the record, so an attach racing the delete
 * wins or loses cleanly): remove it from there first.
 */
export async function deleteFile(deps: FilesDeps, actor: AuthUser, fileId: string): Promise<{ id: string; deleted: true }> {
  const file = await getFileById(deps.db, fileId, deps.now);
  if (!file) throw notFound('File');
  if (file.status === 'pending') {
    if (!canManageFile(actor, file)) throw notFound('File');
  } else {
    await assertCanReadFile(deps.db, actor, file);
    if (!canManageFile(actor, file)) throw forbidden('Only the file owner or an admin may delete a file');
  }
  if (file.attachedTo) throw attachedConflict(file);
  try {
    await deps.db.doc.send(
      new DeleteCommand({
        TableName: deps.db.tableName,
        Key: fileKeys.file(file.id),
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(attachedTo)',
      }),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const now = await getFileById(deps.db, fileId, deps.now);
    if (now?.attachedTo) throw attachedConflict(now);
    throw notFound('File');
  }
  // The record is gone, so the object is unreachable even if this fails; log it for cleanup.
  await deps.storage.s3
    .send(new DeleteObjectCommand({ Bucket: deps.storage.bucket, Key: file.s3Key }))
    .catch((err) => deps.log?.error('file record deleted but its object was not', { key: file.s3Key, error: err }));
  return { id: file.id, deleted: true };
}

function attachedConflict(file: FileRecord) {
  const [kind] = (file.attachedTo ?? '').split('#');
  return conflict(`File is attached to a ${kind === 'chat' ? 'message' : kind}; remove it there before deleting it`, {
    fileId: file.id,
    attachedTo: kind,
  });
}
