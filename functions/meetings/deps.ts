// The production wiring of the meetings domain: settings from the configuration, notify(), the Scheduler.
import { getConfig } from '#shared/config.ts';
import { getDb } from '#shared/db/client.ts';
import type { Logger } from '#shared/log.ts';
import { notify } from '#shared/notify/notify.ts';
import { defaultNotifyDeps } from '#shared/notify/deps.ts';
import type { MeetingSettings } from './meetings.ts';
import type { MeetingNoticeDeps } from './notices.ts';
import { configuredSchedules, type ScheduleSyncDeps } from './schedules.ts';

export const meetingSettings = (): MeetingSettings => {
  const config = getConfig();
  return { urlTemplate: config.MEETING_URL_TEMPLATE, offsets: config.MEETING_REMINDER_OFFSETS };
};

export const noticeDeps = (log: Logger): MeetingNoticeDeps => {
  const notifyDeps = defaultNotifyDeps(log);
  return { db: getDb(), notify: (input) => notify(notifyDeps, input), log };
};

/** `ownArn`: the reminders function's own ARN (from its context), which its environment cannot hold. */
export const scheduleDeps = (log: Logger, ownArn?: string): ScheduleSyncDeps => ({
  db: getDb(),
  schedules: configuredSchedules(ownArn),
  targetArn: getConfig().REMINDERS_FUNCTION_ARN ?? ownArn ?? '',
  offsets: getConfig().MEETING_REMINDER_OFFSETS,
  now: () => new Date(),
  log,
});
