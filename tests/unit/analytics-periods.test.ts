// The analytics' calendar (UTC days, ISO weeks, months, range defaults and limits) and the counter items the task
// writes add for the statistics (type, subject, completion time).
import { describe, expect, it } from 'vitest';
import { bucket, isoWeek, lastMonths, periodsOf, resolveRange } from '../../functions/analytics/periods.ts';
import { completionDelta, taskCategoryEditItems, taskCategoryItems, taskStatusStatsItems } from '../../shared/db/entities/task-stats.ts';
import { AppError } from '../../shared/errors.ts';

const db = { tableName: 'T' };
const NOW = new Date('2025-03-09T15:00:00.000Z');

describe('ISO weeks', () => {
  it.each([
    ['2025-01-01', '2025-W01'],
    ['2024-12-30', '2025-W01'],
    ['2024-12-29', '2024-W52'],
    ['2021-01-03', '2020-W53'],
    ['2020-12-31', '2020-W53'],
    ['2026-12-31', '2026-W53'],
    ['2027-01-03', '2026-W53'],
    ['2027-01-04', '2027-W01'],
  ])('%s is in %s', (day, week) => {
    expect(isoWeek(day)).toBe(week);
  });
});

describe('resolveRange', () => {
  it('defaults to the 30 days ending today (UTC), or ending at dateTo', () => {
    expect(resolveRange({}, NOW)).toEqual({ from: '2025-02-08', to: '2025-03-09' });
    expect(resolveRange({ dateTo: '2025-01-31T23:59:59.999Z' }, NOW)).toEqual({ from: '2025-01-02', to: '2025-01-31' });
    expect(resolveRange({ dateFrom: '2025-03-01T00:00:00.000Z' }, NOW)).toEqual({ from: '2025-03-01', to: '2025-03-09' });
  });

  it('accepts two years of days (731) and refuses one more, naming the field', () => {
    expect(resolveRange({ dateFrom: '2023-01-01T00:00:00.000Z', dateTo: '2024-12-31T23:59:59.999Z' }, NOW)).toEqual({ from: '2023-01-01', to: '2024-12-31' });
    const err = (() => {
      try {
        resolveRange({ dateFrom: '2023-01-01T00:00:00.000Z', dateTo: '2025-01-01T23:59:59.999Z' }, NOW);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).details).toMatchObject({ field: 'dateTo' });
    expect(() => resolveRange({ dateFrom: '2020-01-01T00:00:00.000Z' }, NOW)).toThrow(/two years/);
    expect(() => resolveRange({ dateFrom: '2025-04-01T00:00:00.000Z' }, NOW)).toThrow(AppError);
  });
});

describe('periods and buckets', () => {
  it('has every period the range touches, each clipped to the range, with zeros where nothing was counted', () => {
    const range = { from: '2025-01-30', to: '2025-03-02' };
    expect(periodsOf(range, 'month')).toEqual([
      { period: '2025-01', startDate: '2025-01-30', endDate: '2025-01-31' },
      { period: '2025-02', startDate: '2025-02-01', endDate: '2025-02-28' },
      { period: '2025-03', startDate: '2025-03-01', endDate: '2025-03-02' },
    ]);
    const series = bucket(range, 'week', ['created'] as const, new Map([['2025-02-05', { created: 2 }], ['2025-02-06', { created: 1 }], ['2025-04-01', { created: 9 }]]));
    expect(series.map((p) => [p.period, p.created])).toEqual([
      ['2025-W05', 0],
      ['2025-W06', 3],
      ['2025-W07', 0],
      ['2025-W08', 0],
      ['2025-W09', 0],
    ]);
  });

  it('lists the last 12 months newest first across a year boundary', () => {
    expect(lastMonths(NOW, 12)).toEqual(['2025-03', '2025-02', '2025-01', '2024-12', '2024-11', '2024-10', '2024-09', '2024-08', '2024-07', '2024-06', '2024-05', '2024-04']);
  });
});

describe('statistics counter items', () => {
  it('counts a task by type and subject on one shard', () => {
    const items = taskCategoryItems(db, { type: 'essay', subject: 'history' }, 1, 3);
    expect(items.map((i) => i.Update.Key)).toEqual([
      { pk: 'STATS#TASKCATS', sk: 'TYPE#essay#S03' },
      { pk: 'STATS#TASKCATS', sk: 'SUBJECT#history#S03' },
    ]);
  });

  it('moves only what an edit changed: -1 old, +1 new', () => {
    expect(taskCategoryEditItems(db, { type: 'essay', subject: 'math' }, { type: 'essay', subject: 'math' })).toEqual([]);
    const items = taskCategoryEditItems(db, { type: 'essay', subject: 'math' }, { type: 'thesis', subject: 'math' }, 0);
    expect(items.map((i) => [i.Update.Key.sk, i.Update.ExpressionAttributeValues[':a0']])).toEqual([
      ['TYPE#essay#S00', -1],
      ['TYPE#thesis#S00', 1],
    ]);
  });

  it('adds the time from creation to completion to the totals of a completion', () => {
    expect(completionDelta('2025-03-01T00:00:00.000Z', '2025-03-01T10:00:00.000Z')).toEqual({ completionSeconds: 36_000, completions: 1 });
    const [totals] = taskStatusStatsItems(db, 'in_progress', 'completed', '2025-03-01T10:00:00.000Z', 0, '2025-03-01T00:00:00.000Z');
    expect(Object.values(totals.Update.ExpressionAttributeNames)).toEqual(['in_progress', 'completed', 'completionSeconds', 'completions']);
  });
});
