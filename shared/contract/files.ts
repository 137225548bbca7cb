// Routes of the files endpoint group: multipart upload, direct-to-S3 upload (presigned POST + confirm),
// details, download redirect, signed URL and delete. Access rules live in shared/files/access.ts.
import * as z from '../zod.ts';
import { defineRoute, Id, IsoDateTime, type RouteDef } from '../http/contract.ts';
import { getConfig } from '../config.ts';
import { FILE_CATEGORIES } from '../db/entities/file.ts';
import { FileSummary } from '../http/contract.ts';

export { FileSummary };

export const FileCategory = z.enum(FILE_CATEGORIES);

/** The spec's file object, plus what a client needs to know about where the file belongs. */
export const FileObject = z.object({
  id: Id('file'),
  /** Server-made safe ASCII name (also the object key's last segment). */
  name: z.string(),
  /** The name the client sent, cleaned of paths and control characters. */
  originalName: z.string(),
  size: z.number().check(z.int(), z.positive()),
  type: z.string(),
  /** Presigned GET, valid for 15 minutes. */
  url: z.url(),
  /** No thumbnails are generated: the image's own URL for images, null otherwise. */
  thumbnailUrl: z.nullable(z.url()),
  uploadedAt: IsoDateTime,
  category: FileCategory,
  ownerId: Id('user'),
  taskId: z.nullable(Id('task')),
  chatId: z.nullable(Id('chat')),
  /** True while a task, deliverable or message references the file; it cannot be deleted then. */
  attached: z.boolean(),
});

const FileIdParams = z.object({ fileId: Id('file') });

const UploadFields = z.object({
  category: FileCategory,
  /** Context: the task the files are for. The caller must be able to see it. */
  taskId: z.optional(Id('task')),
});

const UploadUrlBody = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(255)),
  /** MIME type of the file; must be the type its extension names (e.g. application/pdf for .pdf). */
  type: z.string().check(z.trim(), z.minLength(1), z.maxLength(255)),
  /** Exact size in bytes; the upload must have exactly this size to be confirmed. */
  size: z.number().check(z.int(), z.gte(1, 'an empty file cannot be uploaded')),
  category: FileCategory,
  taskId: z.optional(Id('task')),
  // Named so a client that tries to choose them is told which field was refused.
  key: z.optional(z.never({ error: 'object keys are made by the server' })),
  fileId: z.optional(z.never({ error: 'file ids are made by the server' })),
});

const UploadUrlResponse = z.object({
  fileId: Id('file'),
  /** POST a multipart form to `url` with every field of `fields` and then the file as `file`. */
  upload: z.object({ url: z.url(), fields: z.record(z.string(), z.string()) }),
  /** When the presigned POST policy expires (10 minutes). Confirm within the hour. */
  expiresAt: IsoDateTime,
});

export const filesRoutes = {
  upload: defineRoute({
    method: 'POST',
    path: '/files/upload',
    fn: 'files',
    access: 'authenticated',
    rateLimit: 'upload',
    summary: 'Upload up to 10 files (multipart `files`, `category`, optional `taskId`); at most 4 MiB per request',
    multipart: { fileFields: ['files', 'files[]'], maxFiles: 10, maxFileBytes: () => getConfig().MAX_UPLOAD_BYTES },
    body: UploadFields,
    response: z.array(FileObject),
    successStatus: 201,
    idempotent: { resourceIds: (files: { id: string }[]) => files.map((f) => f.id) },
  }),
  uploadUrl: defineRoute({
    method: 'POST',
    path: '/files/upload-url',
    fn: 'files',
    access: 'authenticated',
    rateLimit: 'upload',
    summary: 'Start a direct-to-S3 upload for a big file: a presigned POST (key, type and size fixed) and a pending file id',
    body: UploadUrlBody,
    response: UploadUrlResponse,
    successStatus: 201,
    idempotent: { resourceIds: (grant: { fileId: string }) => [grant.fileId] },
  }),
  confirm: defineRoute({
    method: 'POST',
    path: '/files/{fileId}/confirm',
    fn: 'files',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'Confirm a direct upload: the object exists with the declared size and type and its bytes match; the file becomes usable',
    params: FileIdParams,
    response: FileObject,
  }),
  get: defineRoute({
    method: 'GET',
    path: '/files/{fileId}',
    fn: 'files',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'File details (owner, admins, participants of its task or chat)',
    params: FileIdParams,
    response: FileObject,
  }),
  download: defineRoute({
    method: 'GET',
    path: '/files/{fileId}/download',
    fn: 'files',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'Download: 302 to a presigned GET (5 minutes) that saves the file under its original name',
    params: FileIdParams,
    successStatus: 302,
  }),
  signedUrl: defineRoute({
    method: 'GET',
    path: '/files/signed-url/{fileId}',
    fn: 'files',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'A presigned GET URL for the file (15 minutes) and when it expires',
    params: FileIdParams,
    response: z.object({ url: z.url(), expiresAt: IsoDateTime }),
  }),
  delete: defineRoute({
    method: 'DELETE',
    path: '/files/{fileId}',
    fn: 'files',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'Delete a file and its object (owner or admin); 409 while a task, deliverable or message references it',
    params: FileIdParams,
    response: z.object({ id: Id('file'), deleted: z.literal(true) }),
  }),
} satisfies Record<string, RouteDef>;
