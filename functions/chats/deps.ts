// What the chat services need from the outside world, injected so tests and the WebSocket relay can swap it.
import type { Db } from '#shared/db/client.ts';
import { getDb } from '#shared/db/client.ts';
import type { Logger } from '#shared/log.ts';
import type { Storage } from '#shared/storage/s3.ts';
import type { AnyServerEvent } from '#shared/realtime/events.ts';
import { isUserConnected, pushToAdmins, pushToUsers, type PushOptions } from '#shared/realtime/push.ts';
import { notify } from '#shared/notify/notify.ts';
import { defaultNotifyDeps } from '#shared/notify/deps.ts';
import type { OfflineNoticeDeps } from './offline-notice.ts';

/** The two fan-outs a chat needs: to given users (explicit participants) and to the whole admin team. */
export interface ChatPusher {
  toUsers(userIds: readonly string[], event: AnyServerEvent, opts?: PushOptions): Promise<unknown>;
  toAdmins(event: AnyServerEvent, opts?: PushOptions): Promise<unknown>;
}

export interface ChatDeps {
  db: Db;
  push: ChatPusher;
  log: Logger;
  /** Presigns attachment URLs; defaults to the shared bucket. */
  storage?: Storage;
  /** Turns a message for an offline participant into a notification; absent: no notices (the WebSocket relay). */
  offline?: Omit<OfflineNoticeDeps, 'log'>;
}

export const realtimePusher: ChatPusher = {
  toUsers: (userIds, event, opts) => pushToUsers(userIds, event, opts),
  toAdmins: (event, opts) => pushToAdmins(event, opts),
};

export function defaultChatDeps(log: Logger, overrides: Partial<ChatDeps> = {}): ChatDeps {
  return {
    db: overrides.db ?? getDb(),
    push: overrides.push ?? realtimePusher,
    log,
    ...(overrides.storage ? { storage: overrides.storage } : {}),
    offline: overrides.offline ?? { isConnected: (userId) => isUserConnected(userId), notify: (input) => notify(defaultNotifyDeps(log), input) },
  };
}
