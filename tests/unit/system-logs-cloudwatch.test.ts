// The CloudWatch log source against a mocked CloudWatch Logs: the level becomes a JSON filter pattern, groups
// are merged by time under one composite cursor (a group continues by its own nextToken or by time and the
// ids already handed out), and non-structured lines (platform, metric-only) are dropped.
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchLogsClient, FilterLogEventsCommand, type FilterLogEventsCommandInput, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { CloudWatchLogReader } from '../../shared/system-logs/cloudwatch.ts';
import type { LogQuery } from '../../shared/system-logs/reader.ts';

const cw = mockClient(CloudWatchLogsClient);
const GROUPS = { auth: '/aws/lambda/auth-abc', tasks: '/aws/lambda/tasks-def' };
const T0 = Date.parse('2026-01-01T00:00:00Z');

/** A fake log group: events by time; FilterLogEvents honours startTime/endTime, limit and a numeric nextToken. */
function fakeGroups(events: Record<string, FilteredLogEvent[]>) {
  cw.on(FilterLogEventsCommand).callsFake((input: FilterLogEventsCommandInput) => {
    const all = (events[input.logGroupName!] ?? []).filter((e) => e.timestamp! >= input.startTime! && e.timestamp! <= input.endTime!);
    const start = input.nextToken ? Number(input.nextToken) : 0;
    const page = all.slice(start, start + (input.limit ?? 10_000));
    const next = start + page.length < all.length ? String(start + page.length) : undefined;
    return { events: page, nextToken: next };
  });
}

const line = (level: string, message: string, at: number) => JSON.stringify({ level, time: new Date(at).toISOString(), message, requestId: 'r1' });
const ev = (group: string, i: number, at: number, message: string): FilteredLogEvent => ({ eventId: `${group}-${i}`, timestamp: at, message });

const query = (over: Partial<LogQuery> = {}): LogQuery => ({ services: [], from: T0, to: T0 + 3_600_000, limit: 3, ...over });

beforeEach(() => cw.reset());

describe('CloudWatchLogReader', () => {
  it('filters by level in CloudWatch (a JSON pattern) and reads only the asked groups', async () => {
    fakeGroups({});
    const reader = new CloudWatchLogReader(GROUPS, new CloudWatchLogsClient({ region: 'eu-west-1' }));
    await reader.read(query({ level: 'warn', services: ['tasks'] }));
    const calls = cw.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.logGroupName)).toEqual(['/aws/lambda/tasks-def']);
    expect(calls[0].filterPattern).toBe('{ $.level = "warn" || $.level = "error" }');
    expect(calls[0]).toMatchObject({ startTime: T0, endTime: T0 + 3_600_000 });
  });

  it('merges groups by time under one cursor: every line once, in order, and drops platform and metric-only lines', async () => {
    const auth = [0, 10, 10, 30, 50, 70].map((s, i) => ev('auth', i, T0 + s * 1000, line('info', `auth ${i}`, T0 + s * 1000)));
    const tasks = [5, 10, 40, 41, 42].map((s, i) => ev('tasks', i, T0 + s * 1000, line('error', `tasks ${i}`, T0 + s * 1000)));
    tasks.push(ev('tasks', 90, T0 + 43_000, 'REPORT RequestId: x Duration: 1 ms'));
    tasks.push(ev('tasks', 91, T0 + 44_000, JSON.stringify({ _aws: { Timestamp: T0 }, level: 'info', message: 'metric', Latency: 3 })));
    fakeGroups({ [GROUPS.auth]: auth, [GROUPS.tasks]: tasks });
    const reader = new CloudWatchLogReader(GROUPS, new CloudWatchLogsClient({ region: 'eu-west-1' }));

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await reader.read(query({ cursor }));
      expect(page.entries.length).toBeLessThanOrEqual(3);
      seen.push(...page.entries.map((e) => e.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    const expected = [...auth, ...tasks.slice(0, 5)].sort((a, b) => a.timestamp! - b.timestamp! || (a.eventId! < b.eventId! ? -1 : 1)).map((e) => e.eventId);
    expect(seen).toEqual(expected);
  });

  it('refuses a cursor made for other filters', async () => {
    fakeGroups({ [GROUPS.auth]: [0, 1, 2, 3].map((s, i) => ev('auth', i, T0 + s * 1000, line('info', 'x', T0 + s * 1000))) });
    const reader = new CloudWatchLogReader(GROUPS, new CloudWatchLogsClient({ region: 'eu-west-1' }));
    const first = await reader.read(query({ limit: 1 }));
    await expect(reader.read(query({ limit: 1, level: 'error', cursor: first.nextCursor }))).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    await expect(reader.read(query({ cursor: 'bm9wZQ' }))).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });
});
