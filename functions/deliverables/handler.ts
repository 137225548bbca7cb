// The spec's deliverables section, its own function (issue #15): only these routes take multipart uploads,
// so only this bundle carries busboy and the upload path. The rules live with the tasks domain they belong to.
import { deliverablesRoutes } from '#shared/contract/deliverables.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { parseMultipart } from '#shared/http/multipart.ts';
import { reply } from '#shared/http/reply.ts';
import { defaultTasksDeps } from '#functions/tasks/deps.ts';
import {
  addDeliverable,
  approveDeliverable,
  deleteDeliverable,
  getDeliverableDetail,
  listDeliverables,
  submitDeliverable,
  updateDeliverable,
} from '#functions/tasks/deliverables.ts';

export const handler = createHttpHandler(deliverablesRoutes, {
  addDeliverable: {
    run: async ({ auth, params, body, request, log }) => reply.created(await addDeliverable(defaultTasksDeps(log, request.now), auth, params.taskId, body)),
    replay: async ({ auth, resourceIds: [deliverableId], request, log }) => getDeliverableDetail(defaultTasksDeps(log, request.now), auth, deliverableId),
  },

  listDeliverables: async ({ auth, params, request, log }) => listDeliverables(defaultTasksDeps(log, request.now), auth, params.taskId),

  updateDeliverable: async ({ auth, params, body, request, log }) =>
    updateDeliverable(defaultTasksDeps(log, request.now), auth, params.deliverableId, body),

  submitDeliverable: async ({ auth, params, body, files, request, log }) =>
    submitDeliverable(defaultTasksDeps(log, request.now), auth, params.deliverableId, { notes: body.notes, fileIds: body.fileIds, uploads: files }),

  approveDeliverable: async ({ auth, params, body, request, log }) =>
    approveDeliverable(defaultTasksDeps(log, request.now), auth, params.deliverableId, body),

  deleteDeliverable: async ({ auth, params, request, log }) => deleteDeliverable(defaultTasksDeps(log, request.now), auth, params.deliverableId),
}, { parseMultipart });
