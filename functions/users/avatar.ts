// Avatars: uploaded through the API (multipart), stored privately in S3 under a server-made key, and served
// by a public API URL that redirects to a short-lived presigned GET of the current object.
import { ulid } from 'ulid';
import type { Db } from '#shared/db/client.ts';
import type { Storage } from '#shared/storage/s3.ts';
import { presignGet, URL_TTL } from '#shared/storage/presign.ts';
import type { Logger } from '#shared/log.ts';
import type { UploadedFile } from '#shared/http/multipart.ts';
import { getUserById, setUserAvatar, type User } from '#shared/db/entities/user.ts';
import { notFound, validationError } from '#shared/errors.ts';
import { sniffContentType } from '#shared/storage/sniff.ts';

/** Browsers may reuse the avatar redirect for a while, but for less than the presigned URL it points to lives. */
export const AVATAR_REDIRECT_MAX_AGE_SECONDS = URL_TTL.downloadSeconds - 60;

export const avatarKeys = {
  object: (userId: string, id: string, ext: string) => `avatars/${userId}/${id}.${ext}`,
};

/** The API URL that serves a user's avatar; `v` changes with every upload so caches never show the old one. */
export function avatarUrlOf(apiUrl: string, userId: string, version: string): string {
  return `${apiUrl.replace(/\/$/, '')}/users/${encodeURIComponent(userId)}/avatar?v=${version}`;
}

export interface AvatarDeps {
  db: Db;
  storage: Storage;
  apiUrl: string;
  log: Logger;
}

/** Checks the file is a real image, stores it, points the user at it and deletes the one it replaced. */
export async function uploadAvatar(deps: AvatarDeps, userId: string, files: UploadedFile[], now: Date): Promise<User> {
  const file = files.find((f) => f.field === 'avatar');
  if (!file) throw validationError('avatar', 'an image file is required in the multipart field "avatar"');
  if (file.size === 0) throw validationError('avatar', 'the file is empty');
  // The bytes decide; the file name and declared type are ignored (croppers upload blobs named "blob").
  const image = sniffContentType(file.content);
  if (image?.kind !== 'image') throw validationError('avatar', 'must be a JPEG, PNG, GIF or WebP image');

  const { s3, bucket } = deps.storage;
  const version = ulid(now.getTime());
  const fileKey = avatarKeys.object(userId, version, image.ext);
  await s3.putObject({
    Bucket: bucket,
    Key: fileKey,
    Body: file.content,
    ContentType: image.mime,
    CacheControl: 'private, max-age=86400',
  });

  const result = await setUserAvatar(deps.db, userId, { fileKey, url: avatarUrlOf(deps.apiUrl, userId, version) }, now);
  if (!result) {
    await deleteQuietly(deps, fileKey);
    throw notFound('User');
  }
  if (result.previousFileKey && result.previousFileKey !== fileKey) await deleteQuietly(deps, result.previousFileKey);
  return result.user;
}

/** A leftover object costs storage, not correctness: log it and let the upload succeed. */
async function deleteQuietly(deps: AvatarDeps, key: string): Promise<void> {
  try {
    await deps.storage.s3.deleteObject({ Bucket: deps.storage.bucket, Key: key });
  } catch (error) {
    deps.log.warn('could not delete replaced avatar object', { key, error });
  }
}

/** Presigned GET of the user's current avatar; 404 for an unknown user and for one without an avatar alike. */
export async function avatarDownloadUrl(db: Db, storage: Storage, userId: string): Promise<string> {
  // Consistent: clients load the new avatar URL right after uploading, and the redirect is cached for minutes.
  const user = await getUserById(db, userId, { consistent: true });
  if (!user?.avatarFileKey) throw notFound('Avatar');
  return (await presignGet(storage, { key: user.avatarFileKey, expiresInSeconds: URL_TTL.downloadSeconds })).url;
}
