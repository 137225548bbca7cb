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

export const scheduleDeps = (log: Logger): ScheduleSyncDeps => ({
  db: getDb(),
  schedules: configuredSchedules(),
  targetArn: getConfig().MEETING_REMINDERS_FUNCTION_ARN ?? '',
  offsets: getConfig().MEETING_REMINDER_OFFSETS,
  now: () => new Date(),
  log,
});
