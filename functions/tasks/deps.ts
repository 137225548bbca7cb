// What the task services need from outside, injected so unit tests can swap any of it.
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Db } from '#shared/db/client.ts';
import { getDb } from '#shared/db/client.ts';
import type { Logger } from '#shared/log.ts';
import { getStorage, type Storage } from '#shared/storage/s3.ts';
import { cancellationReasons } from '#shared/db/errors.ts';
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

type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/**
 * One TransactWriteItems call, retried (with jitter) only when DynamoDB cancelled it for a
 * TransactionConflict: every task write also touches the shared STATS#TASKS counter items, so two unrelated
 * tasks changing at once can collide there. A failed condition is never retried: the caller decides.
 */
export async function transact(db: Db, items: TransactItems): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await db.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return;
    } catch (err) {
      const reasons = cancellationReasons(err);
      const onlyConflicts = reasons?.includes('TransactionConflict') && !reasons.includes('ConditionalCheckFailed');
      if (!onlyConflicts || attempt >= 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt * (0.5 + Math.random())));
    }
  }
}
