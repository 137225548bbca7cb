// Documentation of the files routes (see ./index.ts). The file object is the spec's, with this API's ids and fields.
import type { RouteDoc } from '../../http/openapi.ts';
import { exampleId } from '../../http/schema-example.ts';

const fileId = exampleId('file');

export const fileExample = {
  id: fileId,
  name: 'my-document.pdf',
  originalName: 'My Document.pdf',
  size: 1024000,
  type: 'application/pdf',
  url: `https://storage.example.com/files/${fileId}/my-document.pdf?X-Amz-Signature=...`,
  thumbnailUrl: null,
  uploadedAt: '2025-01-15T10:00:00.000Z',
  category: 'task_attachment',
  ownerId: exampleId('user'),
  taskId: exampleId('task'),
  chatId: null,
  attached: true,
};

const quota = 'The student is over the storage quota (`STORAGE_QUOTA_BYTES`, 1 GiB): `details.quotaBytes`, `usedBytes`, `requestedBytes`.';
const whoSees = 'The owner, admins, and the participants of its task or chat may see a file; for anyone else it does not exist (404). An unattached upload expires a day after it was made (404 from then on).';

export const filesDocs: Record<string, RouteDoc> = {
  'POST /files/upload': {
    description:
      'Uploads up to 10 files in one multipart request: `files` (or `files[]`), `category` (`task_attachment`, `deliverable`, `avatar`, `chat_attachment`) and optional `taskId` (a task the caller may see). Each file at most `MAX_UPLOAD_BYTES` (4 MiB) and the request at most about 4 MiB in all (a Lambda payload is 6 MB, base64): upload bigger files with `POST /files/upload-url`. The type is checked from the bytes. Attach the returned ids to a task, deliverable or message within a day, or the upload expires.',
    requestExample: { category: 'task_attachment', taskId: exampleId('task') },
    responseExample: [{ ...fileExample, attached: false }],
    errors: { 400: 'Also: no file, an empty file, or a file whose bytes do not match its type.', 413: quota },
  },
  'POST /files/upload-url': {
    description:
      'Starts a direct upload to S3 for a file up to `MAX_DIRECT_UPLOAD_BYTES` (100 MiB): answers a pending file id and a presigned POST whose policy fixes the key, type and exact size. POST a multipart form to `upload.url` with every field of `upload.fields` and then the file as `file`, within 10 minutes; then `POST /files/{fileId}/confirm`.',
    requestExample: { name: 'thesis-data.zip', type: 'application/zip', size: 52428800, category: 'task_attachment', taskId: exampleId('task') },
    responseExample: {
      fileId,
      upload: {
        url: 'https://gradhelper-files.s3.eu-west-1.amazonaws.com/',
        fields: { key: `uploads/${exampleId('user')}/${fileId}/thesis-data.zip`, 'Content-Type': 'application/zip', Policy: 'eyJleHBpcmF0aW9uIjoi...', 'X-Amz-Signature': '...' },
      },
      expiresAt: '2025-01-15T10:10:00.000Z',
    },
    errors: { 400: 'Also: the type is not the one the extension names.', 413: `The size is over \`MAX_DIRECT_UPLOAD_BYTES\`, or: ${quota}` },
  },
  'POST /files/{fileId}/confirm': {
    description:
      "Confirms a direct upload: the object exists with the declared size and type and its first bytes match the type. The file then becomes usable (attach it within a day). The uploader only; confirming twice answers the file again.",
    responseExample: { ...fileExample, name: 'thesis-data.zip', originalName: 'thesis-data.zip', type: 'application/zip', size: 52428800, attached: false },
    errors: {
      400: 'Also: the object is missing, or its size or bytes do not match what was declared (the upload is rejected).',
      409: 'Another request is confirming it or just rejected it (check and retry).',
      413: quota,
    },
  },
  'GET /files/{fileId}': {
    description: `File details with a presigned GET URL valid 15 minutes. ${whoSees}`,
    responseExample: fileExample,
  },
  'GET /files/{fileId}/download': {
    description: `Answers 302 to a presigned GET (5 minutes) that saves the file under its original name; browsers and \`fetch\` follow it. ${whoSees}`,
    success: { status: 302, description: 'Redirect to the file', location: 'A presigned S3 URL of the file (5 minutes), with `Content-Disposition: attachment`.' },
  },
  'GET /files/signed-url/{fileId}': {
    description: `A presigned GET URL of the file, valid 15 minutes, and when it expires. ${whoSees}`,
    responseExample: { url: `https://storage.example.com/files/${fileId}/my-document.pdf?X-Amz-Signature=...`, expiresAt: '2025-01-15T10:15:00.000Z' },
  },
  'DELETE /files/{fileId}': {
    description: 'Deletes a file and its object (its owner or an admin), freeing the storage quota. A file that a task, deliverable or message references cannot be deleted (409): remove it there first.',
    responseExample: { id: fileId, deleted: true },
    errors: { 403: 'Not the owner nor an admin (a participant who may see the file).', 409: 'The file is attached to a task, deliverable or message (`details`), or changed meanwhile.' },
  },
};
