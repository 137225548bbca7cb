// The reminders function: the target of every meeting schedule (EventBridge Scheduler, `at()`), and of the
// recurring reconcile. Invoked with the schedule's Input as the event: `meeting.reminder` sends a reminder,
// `meeting.end` completes a meeting that ended, `meeting.reconcile` repairs schedules a failed call left wrong.
// An error is thrown back to the Scheduler (its retry policy, then its dead-letter queue) and to Lambda's
// asynchronous retries (then the on-failure destination).
import { getDb } from '#shared/db/client.ts';
import { createLogger } from '#shared/log.ts';
import { instrumented } from '#shared/observability/invocation.ts';
import { currentMetrics } from '#shared/observability/metrics.ts';
import { DomainMetric } from '#shared/observability/metric-names.ts';
import { pushToUsers } from '#shared/realtime/push.ts';
import { completeEndedMeeting, sendMeetingReminder, type ReminderDeps } from '../meetings/reminders.ts';
import { reconcileMeetingSchedules, syncMeetingSchedules, type MeetingSchedulePayload } from '../meetings/schedules.ts';
import { releaseSlots } from '../meetings/slots.ts';
import { meetingSettings, noticeDeps, scheduleDeps } from '../meetings/deps.ts';
import type { Meeting } from '#shared/db/entities/meeting.ts';
import type { Context } from 'aws-lambda';
import { unqualifiedFunctionArn } from '#shared/schedules/one-time.ts';

const log = createLogger({ service: 'reminders' });

export type RemindersEvent = MeetingSchedulePayload | { kind: 'meeting.reconcile'; minAgeSeconds?: number };

function deps(): ReminderDeps {
  const notices = noticeDeps(log);
  return {
    db: getDb(),
    settings: meetingSettings(),
    notify: notices.notify,
    pushToUsers: (userIds, event) => pushToUsers(userIds, event),
    now: () => new Date(),
    log,
  };
}

async function completeAndTidy(payload: { meetingId: string; endAt: string }, ownArn?: string) {
  const change = await completeEndedMeeting(deps(), { kind: 'meeting.end', ...payload });
  if (!change) return 'stale';
  await Promise.all([
    releaseSlots(getDb(), log, change.previous!, change.meeting),
    syncMeetingSchedules(scheduleDeps(log, ownArn), change.meeting, change.obsoleteSchedules),
  ]);
  return 'completed';
}

const handleEvent = async (event: RemindersEvent, context?: Pick<Context, 'invokedFunctionArn'>): Promise<{ outcome: string } | Record<string, unknown>> => {
  const ownArn = context?.invokedFunctionArn ? unqualifiedFunctionArn(context.invokedFunctionArn) : undefined;
  switch (event?.kind) {
    case 'meeting.reminder': {
      const outcome = await sendMeetingReminder(deps(), event);
      if (outcome === 'sent') currentMetrics().count(DomainMetric.remindersSent);
      log.info('meeting reminder', { meetingId: event.meetingId, offsetSeconds: event.offsetSeconds, outcome });
      return { outcome };
    }
    case 'meeting.end': {
      const outcome = await completeAndTidy(event, ownArn);
      log.info('meeting end', { meetingId: event.meetingId, outcome });
      return { outcome };
    }
    case 'meeting.reconcile': {
      const result = await reconcileMeetingSchedules(
        { ...scheduleDeps(log, ownArn), completeEnded: async (m: Meeting) => void (await completeAndTidy({ meetingId: m.id, endAt: m.endAt }, ownArn)) },
        event.minAgeSeconds,
      );
      log.info('meeting schedules reconciled', { ...result });
      return { ...result };
    }
    default:
      log.error('unknown reminders event', { event });
      return { outcome: 'ignored' };
  }
};

export const handler = instrumented('reminders', log, handleEvent, (event) => event?.kind);
