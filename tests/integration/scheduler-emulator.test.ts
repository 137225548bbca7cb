// The local EventBridge Scheduler API, driven with @aws-sdk/client-scheduler as the functions drive it: one-time
// at() schedules are created, read, moved and deleted in a group; a due schedule invokes its target with its
// Input (retrying a failure), and the schedules outlive a restart of the emulator (a restart of `npm start`).
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  UpdateScheduleCommand,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { startGateway, type Gateway } from '../../infra/local/gateway.ts';
import { createSchedulerEmulator, type SchedulerEmulator } from '../../infra/local/scheduler-api.ts';
import { atExpression } from '../../shared/schedules/one-time.ts';

interface Running {
  gateway: Gateway;
  emulator: SchedulerEmulator;
  client: SchedulerClient;
  calls: { fn: string; event: unknown }[];
}

const running: Running[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.gateway.close();
});

async function start(stateDir: string, failFirst = 0): Promise<Running> {
  const calls: Running['calls'] = [];
  let failures = failFirst;
  const emulator = createSchedulerEmulator({
    stateDir,
    tickMs: 100,
    retryBaseMs: 50,
    log: () => undefined,
    invoke: async (fn, event) => {
      if (failures-- > 0) throw new Error('target down');
      calls.push({ fn, event });
    },
  });
  const gateway = await startGateway({ port: 0, routes: [], extensions: [emulator] });
  const client = new SchedulerClient({ endpoint: gateway.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const r = { gateway, emulator, client, calls };
  running.push(r);
  return r;
}

const target = (input: unknown) => ({
  Arn: 'arn:aws:lambda:us-east-1:000000000000:function:billing',
  RoleArn: 'arn:aws:iam::000000000000:role/scheduler',
  Input: JSON.stringify(input),
});
const create = (r: Running, name: string, at: Date, input: unknown = { name }) =>
  r.client.send(
    new CreateScheduleCommand({
      Name: name,
      GroupName: 'app',
      ScheduleExpression: atExpression(at),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: target(input),
    }),
  );
const waitUntil = async (probe: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};
const inAnHour = () => new Date(Date.now() + 3_600_000);

describe('the local EventBridge Scheduler API', () => {
  it('creates, reads, moves and deletes a one-time schedule in a group', async () => {
    const r = await start(mkdtempSync(join(tmpdir(), 'sched-')));
    const at = inAnHour();

    const created = await create(r, 'bill-1', at, { billId: 'bill_1' });
    const read = await r.client.send(new GetScheduleCommand({ Name: 'bill-1', GroupName: 'app' }));
    const later = new Date(at.getTime() + 86_400_000);
    await r.client.send(
      new UpdateScheduleCommand({ Name: 'bill-1', GroupName: 'app', ScheduleExpression: atExpression(later), FlexibleTimeWindow: { Mode: 'OFF' }, Target: target({ billId: 'bill_1', v: 2 }) }),
    );
    const moved = await r.client.send(new GetScheduleCommand({ Name: 'bill-1', GroupName: 'app' }));
    await r.client.send(new DeleteScheduleCommand({ Name: 'bill-1', GroupName: 'app' }));

    expect(created.ScheduleArn).toContain('schedule/app/bill-1');
    expect(read).toMatchObject({ Name: 'bill-1', GroupName: 'app', ScheduleExpression: atExpression(at), State: 'ENABLED', ActionAfterCompletion: 'DELETE' });
    expect(read.Target?.Input).toBe(JSON.stringify({ billId: 'bill_1' }));
    expect(moved.ScheduleExpression).toBe(atExpression(later));
    await expect(r.client.send(new GetScheduleCommand({ Name: 'bill-1', GroupName: 'app' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('answers the errors of the real API: a name taken, a schedule missing, an expression it cannot run', async () => {
    const r = await start(mkdtempSync(join(tmpdir(), 'sched-')));
    await create(r, 'taken', inAnHour());

    await expect(create(r, 'taken', inAnHour())).rejects.toBeInstanceOf(ConflictException);
    await expect(r.client.send(new DeleteScheduleCommand({ Name: 'missing', GroupName: 'app' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(
      r.client.send(new CreateScheduleCommand({ Name: 'rate', GroupName: 'app', ScheduleExpression: 'rate(5 minutes)', FlexibleTimeWindow: { Mode: 'OFF' }, Target: target({}) })),
    ).rejects.toBeInstanceOf(ValidationException);
  });

  it('invokes the target function with the Input when due, then deletes the schedule', async () => {
    const r = await start(mkdtempSync(join(tmpdir(), 'sched-')));

    await create(r, 'due-now', new Date(Date.now() - 1000), { billId: 'bill_due' });
    await waitUntil(() => r.calls.length === 1);

    expect(r.calls).toEqual([{ fn: 'billing', event: { billId: 'bill_due' } }]);
    await expect(r.client.send(new GetScheduleCommand({ Name: 'due-now', GroupName: 'app' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('retries a target that fails, as Scheduler does', async () => {
    const r = await start(mkdtempSync(join(tmpdir(), 'sched-')), 2);

    await create(r, 'flaky', new Date(Date.now() - 1000));
    await waitUntil(() => r.calls.length === 1);

    expect(r.calls).toHaveLength(1);
  });

  it('keeps schedules across a restart and fires them afterwards', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sched-'));
    const first = await start(stateDir);
    const soon = new Date(Date.now() + 1500);
    await create(first, 'survivor', soon, { billId: 'bill_kept' });
    await first.gateway.close();
    running.splice(running.indexOf(first), 1);

    const second = await start(stateDir);
    const read = await second.client.send(new GetScheduleCommand({ Name: 'survivor', GroupName: 'app' }));
    await waitUntil(() => second.calls.length === 1, 6000);

    expect(read.ScheduleExpression).toBe(atExpression(soon));
    expect(second.calls).toEqual([{ fn: 'billing', event: { billId: 'bill_kept' } }]);
  });
});
