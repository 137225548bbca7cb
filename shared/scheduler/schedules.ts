// One-time EventBridge Scheduler schedules (`at(...)`, deleted after they run) in the app's schedule group, each
// invoking a function with a JSON input. The one module that talks to the Scheduler API: the endpoint comes from
// the SDK's own configuration (AWS_ENDPOINT_URL_SCHEDULER locally), the group, role, target and dead-letter
// queue from shared/config.ts. Every call is idempotent: creating a schedule that exists and deleting one that
// does not both succeed, so callers retry freely.
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { getConfig } from '../config.ts';

export interface OneTimeSchedule {
  /** At most 64 characters of [0-9A-Za-z-_.]; names encode what the schedule is for, so equal names mean equal schedules. */
  name: string;
  at: Date;
  input: unknown;
}

export interface ScheduleSettings {
  groupName: string;
  roleArn: string;
  targetArn: string;
  deadLetterArn?: string;
  /** Invocation retries the Scheduler makes before the dead-letter queue. */
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
}

export interface Schedules {
  create(schedule: OneTimeSchedule): Promise<void>;
  delete(name: string): Promise<void>;
  exists(name: string): Promise<boolean>;
}

/** `at(2025-01-15T10:00:00)`: the Scheduler's one-time expression, whole seconds, read in UTC. */
export const atExpression = (at: Date) => `at(${at.toISOString().slice(0, 19)})`;

/** The CreateSchedule request for `schedule`. */
export function createScheduleInput(settings: ScheduleSettings, schedule: OneTimeSchedule) {
  return {
    Name: schedule.name,
    GroupName: settings.groupName,
    ScheduleExpression: atExpression(schedule.at),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' as const },
    ActionAfterCompletion: 'DELETE' as const,
    Target: {
      Arn: settings.targetArn,
      RoleArn: settings.roleArn,
      Input: JSON.stringify(schedule.input),
      RetryPolicy: { MaximumRetryAttempts: settings.maximumRetryAttempts, MaximumEventAgeInSeconds: settings.maximumEventAgeSeconds },
      ...(settings.deadLetterArn ? { DeadLetterConfig: { Arn: settings.deadLetterArn } } : {}),
    },
  };
}

const isNamed = (err: unknown, name: string, type: { new (...args: never[]): unknown }) => err instanceof type || (err as { name?: string })?.name === name;

export function schedulesWith(client: SchedulerClient, settings: ScheduleSettings): Schedules {
  return {
    async create(schedule) {
      try {
        await client.send(new CreateScheduleCommand(createScheduleInput(settings, schedule)));
      } catch (err) {
        if (!isNamed(err, 'ConflictException', ConflictException)) throw err;
      }
    },
    async delete(name) {
      try {
        await client.send(new DeleteScheduleCommand({ Name: name, GroupName: settings.groupName }));
      } catch (err) {
        if (!isNamed(err, 'ResourceNotFoundException', ResourceNotFoundException)) throw err;
      }
    },
    async exists(name) {
      try {
        await client.send(new GetScheduleCommand({ Name: name, GroupName: settings.groupName }));
        return true;
      } catch (err) {
        if (isNamed(err, 'ResourceNotFoundException', ResourceNotFoundException)) return false;
        throw err;
      }
    },
  };
}

let client: SchedulerClient | undefined;

/** The configured schedules, or undefined when this deployment schedules nothing (no group, role or target). */
export function configuredSchedules(): Schedules | undefined {
  const config = getConfig();
  if (!config.SCHEDULE_GROUP_NAME || !config.SCHEDULER_ROLE_ARN || !config.MEETING_REMINDERS_FUNCTION_ARN) return undefined;
  client ??= new SchedulerClient({});
  return schedulesWith(client, {
    groupName: config.SCHEDULE_GROUP_NAME,
    roleArn: config.SCHEDULER_ROLE_ARN,
    targetArn: config.MEETING_REMINDERS_FUNCTION_ARN,
    deadLetterArn: config.SCHEDULE_DLQ_ARN,
    maximumRetryAttempts: 3,
    maximumEventAgeSeconds: 3600,
  });
}
