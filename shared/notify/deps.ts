// The production wiring of notify(): the realtime push module, the table (which carries the mail outbox), the clock.
import { getDb } from '../db/client.ts';
import { getConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { pushToUsers } from '../realtime/push.ts';
import type { NotifyDeps } from './notify.ts';

export function defaultNotifyDeps(log: Logger): NotifyDeps {
  return {
    db: getDb(),
    push: { toUsers: (userIds, event) => pushToUsers(userIds, event as never) },
    now: () => new Date(),
    log,
    appUrl: getConfig().APP_URL,
  };
}
