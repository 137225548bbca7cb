import { filesRoutes } from '#shared/contract/files.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { parseMultipart } from '#shared/http/multipart.ts';
import { reply } from '#shared/http/reply.ts';
import { getDb } from '#shared/db/client.ts';
import { getStorage } from '#shared/storage/s3.ts';
import type { Logger } from '#shared/log.ts';
import { storeUploadedFiles, type FilesDeps } from '#shared/files/store.ts';
import { fileObject } from '#shared/files/view.ts';
import { confirmDirectUpload, directUploadGrant, requestDirectUpload } from './direct-upload.ts';
import { deleteFile, downloadUrl, getFileDetails, signedViewUrl } from './files.ts';

const deps = (request: { now: Date }, log: Logger): FilesDeps => ({ db: getDb(), storage: getStorage(), now: request.now, log });

export const handler = createHttpHandler(filesRoutes, {
  upload: {
    run: async ({ body, files, auth, request, log }) => {
      const d = deps(request, log);
      const records = await storeUploadedFiles(d, { actor: auth, category: body.category, taskId: body.taskId, files });
      return reply.created(await Promise.all(records.map((r) => fileObject(r, { storage: d.storage, now: d.now }))));
    },
    replay: async ({ auth, resourceIds, request, log }) => Promise.all(resourceIds.map((id) => getFileDetails(deps(request, log), auth, id))),
  },
  uploadUrl: {
    run: async ({ body, auth, request, log }) => reply.created(await requestDirectUpload(deps(request, log), auth, body)),
    replay: async ({ auth, resourceIds: [fileId], request, log }) => directUploadGrant(deps(request, log), auth, fileId),
  },
  confirm: async ({ params, auth, request, log }) => {
    const d = deps(request, log);
    return fileObject(await confirmDirectUpload(d, auth, params.fileId), { storage: d.storage, now: d.now });
  },
  get: async ({ params, auth, request, log }) => getFileDetails(deps(request, log), auth, params.fileId),
  download: async ({ params, auth, request, log }) => reply.redirect((await downloadUrl(deps(request, log), auth, params.fileId)).url),
  signedUrl: async ({ params, auth, request, log }) => signedViewUrl(deps(request, log), auth, params.fileId),
  delete: async ({ params, auth, request, log }) => deleteFile(deps(request, log), auth, params.fileId),
}, { parseMultipart });
