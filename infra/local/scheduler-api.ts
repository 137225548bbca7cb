// The EventBridge Scheduler API on the local gateway: create, update, get and delete one-time `at()` schedules
// in a group (the REST-JSON calls of @aws-sdk/client-scheduler at /schedules/{Name}), so code that schedules
// work runs unchanged with AWS_ENDPOINT_URL_SCHEDULER pointing here. A due schedule invokes its target
// function's handler module with the schedule's Input as the event, as Scheduler invokes the Lambda in AWS;
// a failed invocation is retried with backoff (Scheduler's retry policy), then dropped with an error line.
// Schedules are kept in <stateDir>/schedules.json, so they survive a restart of `npm start`.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewayExtension } from './gateway.ts';
import { lambdaContext, loadHandler } from './gateway.ts';

const SCHEDULE_PATH = /^\/schedules\/([^/]+)$/;
/** `at(2025-01-15T10:00:00)`: Scheduler's one-time expression, seconds precision, in ScheduleExpressionTimezone (UTC here). */
const AT_EXPRESSION = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;
const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;

export interface StoredSchedule {
  Name: string;
  GroupName: string;
  Arn: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  State: 'ENABLED' | 'DISABLED';
  Description?: string;
  ActionAfterCompletion: 'NONE' | 'DELETE';
  FlexibleTimeWindow: { Mode: string; MaximumWindowInMinutes?: number };
  Target: { Arn: string; RoleArn: string; Input?: string; RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number } };
  CreationDate: number;
  LastModificationDate: number;
  /** Emulator bookkeeping: when the schedule is due (ms), failed attempts so far, and when to try next. */
  dueAt: number;
  attempts: number;
  nextAttemptAt: number;
  /** Fired once successfully (kept only with ActionAfterCompletion NONE). */
  completed?: boolean;
}

export interface SchedulerEmulatorOptions {
  stateDir: string;
  /** How often due schedules are looked for; default 1 s. */
  tickMs?: number;
  /** First retry delay after a failed invocation (doubles each time); default 1 s. */
  retryBaseMs?: number;
  /** Attempts after the first; Scheduler's default is 185, the emulator's 5. */
  maxRetries?: number;
  log?: (line: string, err?: unknown) => void;
  /** How a target runs; default: the handler module of functions/<name>/ (what the Lambda bundles). */
  invoke?: (functionName: string, event: unknown) => Promise<unknown>;
}

export interface SchedulerEmulator extends GatewayExtension {
  /** Fires every schedule due now (tests call it instead of waiting for the next tick). */
  fireDue(): Promise<void>;
  schedules(): StoredSchedule[];
}

class SchedulerError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const key = (group: string, name: string) => `${group}/${name}`;

/** The function name of a Lambda ARN (`arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]`). */
export function functionNameOfArn(arn: string): string | undefined {
  const parts = arn.split(':');
  return parts[2] === 'lambda' && parts[5] === 'function' ? parts[6] : undefined;
}

function dueAtOf(expression: string, timezone: string | undefined): number {
  const m = AT_EXPRESSION.exec(expression);
  if (!m) throw new SchedulerError(400, 'ValidationException', `Invalid Schedule Expression ${expression}: the local emulator takes one-time at(yyyy-mm-ddThh:mm:ss) schedules`);
  if (timezone && timezone !== 'UTC') throw new SchedulerError(400, 'ValidationException', 'The local emulator takes ScheduleExpressionTimezone UTC only');
  const at = Date.parse(`${m[1]}Z`);
  if (Number.isNaN(at)) throw new SchedulerError(400, 'ValidationException', `Invalid Schedule Expression ${expression}`);
  return at;
}

export function createSchedulerEmulator(options: SchedulerEmulatorOptions): SchedulerEmulator {
  const file = join(options.stateDir, 'schedules.json');
  const log = options.log ?? ((line, err) => console.error(`[scheduler] ${line}`, err ?? ''));
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const maxRetries = options.maxRetries ?? 5;
  const store = new Map<string, StoredSchedule>();
  if (existsSync(file)) {
    for (const s of JSON.parse(readFileSync(file, 'utf8')) as StoredSchedule[]) store.set(key(s.GroupName, s.Name), s);
  }
  const save = () => {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify([...store.values()], null, 2));
    renameSync(tmp, file);
  };
  const inFlight = new Map<string, Promise<void>>();
  const invoke =
    options.invoke ??
    (async (name: string, event: unknown) => {
      const handler = await loadHandler(name);
      return handler(event, lambdaContext(name, randomUUID()));
    });

  const respond = (res: ServerResponse, status: number, body: unknown, error?: string) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-RequestId': randomUUID(), ...(error ? { 'x-amzn-ErrorType': error } : {}) });
    res.end(JSON.stringify(body));
  };

  function upsert(name: string, body: Record<string, any>, mode: 'create' | 'update'): StoredSchedule {
    if (!NAME.test(name)) throw new SchedulerError(400, 'ValidationException', `Invalid Name ${name}`);
    const group = (body.GroupName as string | undefined) ?? 'default';
    const existing = store.get(key(group, name));
    if (mode === 'create' && existing) throw new SchedulerError(409, 'ConflictException', `Schedule ${name} already exists.`);
    if (mode === 'update' && !existing) throw new SchedulerError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    if (!body.ScheduleExpression || !body.Target?.Arn || !body.Target?.RoleArn || !body.FlexibleTimeWindow?.Mode) {
      throw new SchedulerError(400, 'ValidationException', 'ScheduleExpression, Target.Arn, Target.RoleArn and FlexibleTimeWindow are required');
    }
    if (!functionNameOfArn(body.Target.Arn)) throw new SchedulerError(400, 'ValidationException', 'The local emulator targets Lambda functions only (Target.Arn)');
    const dueAt = dueAtOf(body.ScheduleExpression, body.ScheduleExpressionTimezone);
    const now = Date.now();
    const schedule: StoredSchedule = {
      Name: name,
      GroupName: group,
      Arn: `arn:aws:scheduler:local:000000000000:schedule/${group}/${name}`,
      ScheduleExpression: body.ScheduleExpression,
      ...(body.ScheduleExpressionTimezone ? { ScheduleExpressionTimezone: body.ScheduleExpressionTimezone } : {}),
      State: body.State ?? 'ENABLED',
      ...(body.Description ? { Description: body.Description } : {}),
      ActionAfterCompletion: body.ActionAfterCompletion ?? 'NONE',
      FlexibleTimeWindow: body.FlexibleTimeWindow,
      Target: body.Target,
      CreationDate: existing?.CreationDate ?? now / 1000,
      LastModificationDate: now / 1000,
      dueAt,
      attempts: 0,
      nextAttemptAt: dueAt,
    };
    store.set(key(group, name), schedule);
    save();
    return schedule;
  }

  function find(name: string, group: string | null): StoredSchedule {
    const schedule = store.get(key(group ?? 'default', name));
    if (!schedule) throw new SchedulerError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    return schedule;
  }

  const publicView = (s: StoredSchedule) => {
    const { dueAt, attempts, nextAttemptAt, completed, ...view } = s;
    void dueAt, attempts, nextAttemptAt, completed;
    return view;
  };

  async function fire(s: StoredSchedule): Promise<void> {
    const name = functionNameOfArn(s.Target.Arn)!;
    const id = key(s.GroupName, s.Name);
    const modifiedAt = s.LastModificationDate;
    try {
      const event = s.Target.Input ? JSON.parse(s.Target.Input) : {};
      await invoke(name, event);
      const current = store.get(id);
      // Moved or deleted while it ran: the newer version stands.
      if (current && current.LastModificationDate === modifiedAt) {
        if (current.ActionAfterCompletion === 'DELETE') store.delete(id);
        else current.completed = true;
        save();
      }
    } catch (err) {
      const current = store.get(id);
      if (!current || current.LastModificationDate !== modifiedAt) return;
      const limit = current.Target.RetryPolicy?.MaximumRetryAttempts ?? maxRetries;
      current.attempts += 1;
      if (current.attempts > limit) {
        log(`schedule ${id} failed ${current.attempts} times; dropped`, err);
        if (current.ActionAfterCompletion === 'DELETE') store.delete(id);
        else current.completed = true;
      } else {
        log(`schedule ${id} failed (attempt ${current.attempts}); retrying`, err);
        current.nextAttemptAt = Date.now() + retryBaseMs * 2 ** (current.attempts - 1);
      }
      save();
    }
  }

  async function fireDue(): Promise<void> {
    const now = Date.now();
    const due = [...store.entries()].filter(([id, s]) => s.State === 'ENABLED' && !s.completed && s.nextAttemptAt <= now && !inFlight.has(id));
    await Promise.all(
      due.map(([id, s]) => {
        const job = fire(s).finally(() => inFlight.delete(id));
        inFlight.set(id, job);
        return job;
      }),
    );
  }

  const timer = setInterval(() => void fireDue().catch((err) => log('tick failed', err)), options.tickMs ?? 1000);
  timer.unref();

  return {
    fireDue,
    schedules: () => [...store.values()],
    async handleRequest(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = SCHEDULE_PATH.exec(url.pathname);
      if (!match) return false;
      try {
        const name = decodeURIComponent(match[1]);
        let parsed: Record<string, any> = {};
        if (body.length) {
          try {
            parsed = JSON.parse(body.toString('utf8'));
          } catch {
            throw new SchedulerError(400, 'ValidationException', 'Request body is not JSON');
          }
        }
        switch (req.method) {
          case 'POST':
            respond(res, 200, { ScheduleArn: upsert(name, parsed, 'create').Arn });
            return true;
          case 'PUT':
            respond(res, 200, { ScheduleArn: upsert(name, parsed, 'update').Arn });
            return true;
          case 'GET':
            respond(res, 200, publicView(find(name, url.searchParams.get('groupName'))));
            return true;
          case 'DELETE': {
            const s = find(name, url.searchParams.get('groupName'));
            store.delete(key(s.GroupName, s.Name));
            save();
            respond(res, 200, {});
            return true;
          }
          default:
            throw new SchedulerError(400, 'ValidationException', `Unsupported method ${req.method}`);
        }
      } catch (err) {
        if (err instanceof SchedulerError) respond(res, err.status, { Message: err.message }, err.type);
        else respond(res, 500, { Message: (err as Error).message }, 'InternalServerException');
        return true;
      }
    },
    async close() {
      clearInterval(timer);
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}
