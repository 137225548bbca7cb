// One-time EventBridge Scheduler schedules (`at()`), in this stack's group, each invoking a function of this
// stack with a JSON payload. Created, moved and deleted with the record they belong to; the target re-reads
// the record when it fires and acts only if the schedule still applies. Locally AWS_ENDPOINT_URL_SCHEDULER
// points at the gateway's emulator (infra/local/scheduler-api.ts), which invokes the same handler.
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { traceSdkClient } from '../observability/tracing.ts';
import { getConfig } from '../config.ts';

let client: SchedulerClient | undefined;
const scheduler = () => (client ??= traceSdkClient(new SchedulerClient({}), 'Scheduler'));

export interface OneTimeSchedule {
  /** Unique in the group, e.g. `bill-<billId>` (at most 64 characters). */
  name: string;
  /** When it fires (rounded down to the second: at() has seconds precision). */
  at: Date;
  /** The Lambda to invoke: this function's own ARN (`context.invokedFunctionArn`). */
  targetArn: string;
  input: unknown;
  description?: string;
}

/** `at(2025-01-15T10:00:00)` in UTC. */
export const atExpression = (at: Date) => `at(${at.toISOString().slice(0, 19)})`;

/** True when this deployment has a schedule group (the stack sets it; a bare unit test does not). */
export const schedulesConfigured = () => Boolean(getConfig().SCHEDULE_GROUP_NAME && getConfig().SCHEDULER_ROLE_ARN);

/** An unqualified function ARN (an alias or version suffix dropped), which the scheduler role may invoke. */
export function unqualifiedFunctionArn(arn: string): string {
  return arn.split(':').slice(0, 7).join(':');
}

/** Creates the schedule, or moves it if one of that name exists (a retried create, a moved date). */
export async function putOneTimeSchedule(s: OneTimeSchedule): Promise<void> {
  const config = getConfig();
  const input = {
    Name: s.name,
    GroupName: config.SCHEDULE_GROUP_NAME,
    ScheduleExpression: atExpression(s.at),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' as const },
    ActionAfterCompletion: 'DELETE' as const,
    Description: s.description,
    Target: {
      Arn: unqualifiedFunctionArn(s.targetArn),
      RoleArn: config.SCHEDULER_ROLE_ARN!,
      Input: JSON.stringify(s.input),
      RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 86_400 },
      // Invocations that still fail after the retries land here (the stack sets it) instead of vanishing.
      ...(config.SCHEDULE_DLQ_ARN ? { DeadLetterConfig: { Arn: config.SCHEDULE_DLQ_ARN } } : {}),
    },
  };
  try {
    await scheduler().send(new CreateScheduleCommand(input));
  } catch (err) {
    if (!(err instanceof ConflictException) && (err as { name?: string }).name !== 'ConflictException') throw err;
    await scheduler().send(new UpdateScheduleCommand(input));
  }
}

/** Deletes the schedule; one that already fired (ActionAfterCompletion DELETE) or never existed is fine. */
export async function deleteOneTimeSchedule(name: string): Promise<void> {
  try {
    await scheduler().send(new DeleteScheduleCommand({ Name: name, GroupName: getConfig().SCHEDULE_GROUP_NAME }));
  } catch (err) {
    if (err instanceof ResourceNotFoundException || (err as { name?: string }).name === 'ResourceNotFoundException') return;
    throw err;
  }
}
