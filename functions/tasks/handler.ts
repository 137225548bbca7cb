import { tasksRoutes } from '#shared/contract/tasks.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { paginationOf, reply } from '#shared/http/reply.ts';
import { defaultTasksDeps } from './deps.ts';
import { assignTask, cancelTask, changeTaskStatus, createTask, getTaskDetail, listTasksFor, updateTask } from './tasks.ts';

export const handler = createHttpHandler(tasksRoutes, {
  create: {
    run: async ({ auth, body, request, log }) => reply.created(await createTask(defaultTasksDeps(log, request.now), auth, body)),
    replay: async ({ auth, resourceIds: [taskId], request, log }) => getTaskDetail(defaultTasksDeps(log, request.now), auth, taskId),
  },

  list: async ({ auth, query, request, log }) => {
    const page = await listTasksFor(defaultTasksDeps(log, request.now), auth, query);
    return reply.page(page.items, paginationOf(page, query));
  },

  get: async ({ auth, params, request, log }) => getTaskDetail(defaultTasksDeps(log, request.now), auth, params.taskId),

  update: async ({ auth, params, body, request, log }) => updateTask(defaultTasksDeps(log, request.now), auth, params.taskId, body),

  changeStatus: async ({ auth, params, body, request, log }) =>
    changeTaskStatus(defaultTasksDeps(log, request.now), auth, params.taskId, body.status, { reason: body.reason, feedback: body.feedback }),

  cancel: async ({ auth, params, body, request, log }) => cancelTask(defaultTasksDeps(log, request.now), auth, params.taskId, body.reason),

  assign: async ({ auth, params, body, request, log }) => assignTask(defaultTasksDeps(log, request.now), auth, params.taskId, body.adminId),
});
