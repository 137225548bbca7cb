// What the task services need from outside, injected so unit tests can swap any of it.
import type { Db } from '#shared/db/client.ts';
import { getDb } from '#shared/db/client.ts';
import type { Logger } from '#shared/log.ts';
import { getStorage, type Storage } from '#shared/storage/s3.ts';
import { publishTaskEvent, subscribeToTaskEvents, type TaskEvent } from '#shared/events/task-events.ts';
import { deliverTaskEvent } from '#shared/notify/task-notices.ts';
import { notify } from '#shared/notify/notify.ts';
import { defaultNotifyDeps } from '#shared/notify/deps.ts';
import { pushToAdmins, pushToUsers } from '#shared/realtime/push.ts';
import { createLogger } from '#shared/log.ts';

export interface TasksDeps {
  db: Db;
  storage: Storage;
  /** The request time: every timestamp a request writes. */
  now: Date;
  log: Logger;
  /** Called after a transaction commits; defaults to the shared task-event subscribers. */
  publish: (event: TaskEvent) => Promise<void>;
}

// Task events become notifications and live frames (issue #6). Registered once per cold start.
const deliveryLog = createLogger({ service: 'tasks', component: 'task-events' });
subscribeToTaskEvents((event) =>
  deliverTaskEvent(
    {
      notify: (input) => notify(defaultNotifyDeps(deliveryLog), input),
      pushToUsers: (userIds, frame) => pushToUsers(userIds, frame),
      pushToAdmins: (frame) => pushToAdmins(frame),
    },
    event,
  ),
);

export function defaultTasksDeps(log: Logger, now: Date): TasksDeps {
  return {
    db: getDb(),
    storage: getStorage(),
    now,
    log,
    publish: (event) => publishTaskEvent(event, (err, e) => log.error('task event subscriber failed', { type: e.type, error: err })),
  };
}

/** Task writes retry the TransactionConflicts their shared counters cause (shared/db/transact.ts). */
export { transact } from '#shared/db/transact.ts';
