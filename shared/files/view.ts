// How files appear in responses: the spec's file object (files endpoints) and the short summary other
// entities embed (task attachments, deliverable files, message attachments). URLs are presigned GETs.
import type { FileRecord } from '../db/entities/file.ts';
import { getStorage, type Storage } from '../storage/s3.ts';
import { presignGet, URL_TTL } from '../storage/presign.ts';

export interface FileSummary {
  id: string;
  /** The name the user gave the file (cleaned), which is what a list of attachments shows. */
  name: string;
  url: string;
  size: number;
  type: string;
}

/** The spec's file object (POST /files/upload items, GET /files/{fileId}). */
export interface FileObject {
  id: string;
  /** Server-made safe ASCII name (the last segment of the object key). */
  name: string;
  /** The client's file name, cleaned of paths and control characters. */
  originalName: string;
  size: number;
  type: string;
  url: string;
  /** No thumbnails are generated: images get their own (presigned) URL, other files null. */
  thumbnailUrl: string | null;
  uploadedAt: string;
  category: FileRecord['category'];
  ownerId: string;
  taskId: string | null;
  chatId: string | null;
  /** True while a task, deliverable or message references the file (it cannot be deleted then). */
  attached: boolean;
}

const isImage = (mime: string) => mime.startsWith('image/');

/** Spec-shaped file object with a view URL valid for URL_TTL.viewSeconds. */
export async function fileObject(file: FileRecord, options: { storage?: Storage; now?: Date } = {}): Promise<FileObject> {
  const { url } = await presignGet(options.storage ?? getStorage(), { key: file.s3Key, expiresInSeconds: URL_TTL.viewSeconds, now: options.now });
  return {
    id: file.id,
    name: file.name,
    originalName: file.originalName,
    size: file.size,
    type: file.mime,
    url,
    thumbnailUrl: isImage(file.mime) ? url : null,
    uploadedAt: file.confirmedAt ?? file.createdAt,
    category: file.category,
    ownerId: file.ownerId,
    taskId: file.taskId ?? null,
    chatId: file.chatId ?? null,
    attached: Boolean(file.attachedTo),
  };
}

/**
 * `{ id, name, url, size, type }` for embedding in task, deliverable and message responses. Async because
 * signing resolves credentials, but it makes no network call: presigning is local HMAC work.
 */
export async function fileSummary(file: Pick<FileRecord, 'id' | 'originalName' | 's3Key' | 'size' | 'mime'>, options: { storage?: Storage; now?: Date } = {}): Promise<FileSummary> {
  const { url } = await presignGet(options.storage ?? getStorage(), { key: file.s3Key, expiresInSeconds: URL_TTL.viewSeconds, now: options.now });
  return { id: file.id, name: file.originalName, url, size: file.size, type: file.mime };
}
