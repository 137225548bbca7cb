// Reading and deleting files: details, download redirect, signed URL, delete. Every read goes through
// assertCanReadFile, so absent, pending and not-yours look the same (404).
import type { AuthUser } from '#shared/auth/tokens.ts';
import { transactionItemFailed } from '#shared/db/errors.ts';
import { transact } from '#shared/db/transact.ts';
import { releaseStorage } from '#shared/files/quota.ts';
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
 * Deletes the record (giving its bytes back to the owner's storage usage in the same transaction), then the
 * object. Owner or admin only (a participant who may read it gets 403); a pending upload may be cancelled
 * the same way. While a task, deliverable or message references the file the delete is refused with 409
 * (the condition is on the record, so an attach racing the delete wins or loses cleanly): remove it from
 * there first. An expired record is gone (404): its expiry gives the bytes back, never both.
 */
export async function deleteFile(deps: FilesDeps, actor: AuthUser, fileId: string): Promise<{ id: string; deleted: true }> {
  let file = await getFileById(deps.db, fileId, deps.now);
  for (let attempt = 1; ; attempt++) {
    if (!file) throw notFound('File');
    if (file.status === 'pending') {
      if (!canManageFile(actor, file)) throw notFound('File');
    } else {
      await assertCanReadFile(deps.db, actor, file);
      if (!canManageFile(actor, file)) throw forbidden('Only the file owner or an admin may delete a file');
    }
    if (file.attachedTo) throw attachedConflict(file);
    try {
      await transact(deps.db, deleteItems(deps, file));
      break;
    } catch (err) {
      if (!transactionItemFailed(err, 0)) throw err;
      // Attached, confirmed, expired or deleted meanwhile: decide again on what the record is now.
      file = await getFileById(deps.db, fileId, deps.now);
      if (attempt >= 3 && file && !file.attachedTo) throw conflict('File changed while it was being deleted; retry', { fileId });
    }
  }
  // The record is gone, so the object is unreachable even if this fails; log it for cleanup.
  await deps.storage.s3
    .deleteObject({ Bucket: deps.storage.bucket, Key: file.s3Key })
    .catch((err) => deps.log?.error('file record deleted but its object was not', { key: file.s3Key, error: err }));
  return { id: file.id, deleted: true };
}

/** The record's Delete, conditional on the state it was read in, plus the release of its counted bytes. */
function deleteItems(deps: FilesDeps, file: FileRecord) {
  const counted = file.quotaBytes !== undefined;
  return [
    {
      Delete: {
        TableName: deps.db.tableName,
        Key: fileKeys.file(file.id),
        ConditionExpression: [
          'attribute_exists(pk)',
          'attribute_not_exists(attachedTo)',
          '(attribute_not_exists(expiresAt) OR expiresAt > :now)',
          counted ? 'quotaBytes = :counted' : 'attribute_not_exists(quotaBytes)',
        ].join(' AND '),
        ExpressionAttributeValues: { ':now': Math.floor(deps.now.getTime() / 1000), ...(counted ? { ':counted': file.quotaBytes } : {}) },
      },
    },
    ...(counted ? [releaseStorage(deps.db.tableName, file.ownerId, file.quotaBytes!)] : []),
  ];
}

function attachedConflict(file: FileRecord) {
  const [kind] = (file.attachedTo ?? '').split('#');
  return conflict(`File is attached to a ${kind === 'chat' ? 'message' : kind}; remove it there before deleting it`, {
    fileId: file.id,
    attachedTo: kind,
  });
}
