// Task counters the dashboards read (GET /analytics/*, GET /admin/tasks/statistics): tasks by status, and
// tasks created / completed per day and per month. Written only as TransactWrite items inside the task
// write they count, so they never drift from the tasks; read with a constant number of requests.
//
//   STATS#TASKS / TOTALS#S<nn>           total, pending, in_progress, completed, revision_needed, rejected, cancelled
//   STATS#TASKS / DAY#YYYY-MM-DD#S<nn>   date, created, completed
//   STATS#TASKS / MONTH#YYYY-MM#S<nn>    month, created, completed
//
// Every counter is sharded (shared/db/counters.ts): a write adds to one shard picked at random, readers sum
// the shards, and the unsharded items written before sharding (`TOTALS`, `DAY#…`, `MONTH#…`) are summed too.
// Days and months share one partition so a date range is one Query (`sk BETWEEN DAY#<from> AND DAY#<to>~`).
// Days are UTC.
import type { Db } from '../client.ts';
import { counterBaseSk, counterShardSk, counterUpdate, queryCounterItems, randomCounterShard, sumCounters } from '../counters.ts';
import { TASK_STATUSES, type TaskStatus } from './task.ts';

const PK = 'STATS#TASKS';

/** Unsharded sort keys; the items written are their shards (`counterShardSk`). */
export const taskStatsKeys = {
  partition: PK,
  totals: { pk: PK, sk: 'TOTALS' },
  day: (day: string) => ({ pk: PK, sk: `DAY#${day}` }),
  month: (month: string) => ({ pk: PK, sk: `MONTH#${month}` }),
};

/** `YYYY-MM-DD` (UTC) of an ISO timestamp or Date. */
export const dayOf = (at: string | Date) => (typeof at === 'string' ? new Date(at) : at).toISOString().slice(0, 10);
/** `YYYY-MM` (UTC). */
export const monthOf = (at: string | Date) => dayOf(at).slice(0, 7);

const sharded = (key: { pk: string; sk: string }, shard: number) => ({ pk: key.pk, sk: counterShardSk(key.sk, shard) });

function perPeriod(tableName: string, at: string, counter: 'created' | 'completed', shard: number) {
  return [
    counterUpdate(tableName, sharded(taskStatsKeys.day(dayOf(at)), shard), { [counter]: 1 }, { date: dayOf(at) }),
    counterUpdate(tableName, sharded(taskStatsKeys.month(monthOf(at)), shard), { [counter]: 1 }, { month: monthOf(at) }),
  ];
}

/**
 * TransactWrite items for a task created at `at` in `status`: totals (+1 total, +1 status), created per day and
 * month, all on one shard (random unless given) so the transaction collides with another only on a shared shard.
 */
export function taskCreatedStatsItems(db: Pick<Db, 'tableName'>, status: TaskStatus, at: string, shard = randomCounterShard()) {
  return [counterUpdate(db.tableName, sharded(taskStatsKeys.totals, shard), { total: 1, [status]: 1 }), ...perPeriod(db.tableName, at, 'created', shard)];
}

/**
 * TransactWrite items for a status move at `at`: totals (-1 from, +1 to) and, into `completed`, completed per day
 * and month; with the task's `createdAt`, a completion also adds its duration to the totals (`completionSeconds`,
 * `completions`: the average time to completion).
 */
export function taskStatusStatsItems(db: Pick<Db, 'tableName'>, from: TaskStatus, to: TaskStatus, at: string, shard = randomCounterShard(), createdAt?: string) {
  const duration = to === 'completed' && createdAt ? completionDelta(createdAt, at) : {};
  const items = [counterUpdate(db.tableName, sharded(taskStatsKeys.totals, shard), { [from]: -1, [to]: 1, ...duration })];
  if (to === 'completed') items.push(...perPeriod(db.tableName, at, 'completed', shard));
  return items;
}

/** The totals' deltas of one completion: its duration from creation (whole seconds, never negative) and one completion. */
export function completionDelta(createdAt: string, completedAt: string): { completionSeconds: number; completions: number } {
  return { completionSeconds: Math.max(0, Math.round((Date.parse(completedAt) - Date.parse(createdAt)) / 1000)), completions: 1 };
}

export type TaskTotals = { total: number; completionSeconds: number; completions: number } & Record<TaskStatus, number>;

export interface TaskPeriodCounts {
  created: number;
  completed: number;
}

const PERIOD_FIELDS = ['created', 'completed'] as const;

/**
 * Tasks by status and in total, plus the counts of one month (default: none): the shards of `TOTALS` (and of
 * `MONTH#<month>`) summed, strongly consistent. One Query (two in parallel with a month).
 */
export async function getTaskStats(db: Db, month?: string): Promise<{ totals: TaskTotals; month?: TaskPeriodCounts }> {
  const [totalsItems, monthItems] = await Promise.all([
    queryCounterItems(db, PK, { beginsWith: taskStatsKeys.totals.sk }),
    month ? queryCounterItems(db, PK, { beginsWith: taskStatsKeys.month(month).sk }) : Promise.resolve([]),
  ]);
  const totals = sumCounters(totalsItems, ['total', 'completionSeconds', 'completions', ...TASK_STATUSES]) as TaskTotals;
  return { totals, ...(month ? { month: sumCounters(monthItems, PERIOD_FIELDS) } : {}) };
}

/**
 * Created/completed per day for `from..to` (inclusive `YYYY-MM-DD`), only days that have counts, in date
 * order; one Query (its shards are ~100-byte items: a year of days at 10 shards is well under 1 MB).
 * Callers fill missing days with zeros.
 */
export async function listTaskDays(db: Db, from: string, to: string): Promise<({ date: string } & TaskPeriodCounts)[]> {
  return (await listPeriods(db, 'DAY#', from, to)).map(({ period, ...counts }) => ({ date: period, ...counts }));
}

/** Created/completed per month for `from..to` (inclusive `YYYY-MM`). */
export async function listTaskMonths(db: Db, from: string, to: string): Promise<({ month: string } & TaskPeriodCounts)[]> {
  return (await listPeriods(db, 'MONTH#', from, to)).map(({ period, ...counts }) => ({ month: period, ...counts }));
}

async function listPeriods(db: Db, prefix: string, from: string, to: string): Promise<({ period: string } & TaskPeriodCounts)[]> {
  // `~` sorts after `#`, so the upper bound takes in every shard of the last period.
  const items = await queryCounterItems(db, PK, { between: [`${prefix}${from}`, `${prefix}${to}~`] });
  const byPeriod = new Map<string, Record<string, unknown>[]>();
  for (const item of items) {
    const period = counterBaseSk(String(item.sk)).slice(prefix.length);
    byPeriod.set(period, [...(byPeriod.get(period) ?? []), item]);
  }
  return [...byPeriod.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([period, shardItems]) => ({ period, ...sumCounters(shardItems, PERIOD_FIELDS) }));
}

// ---- Tasks by type and by subject -----------------------------------------------------------------------
//
//   STATS#TASKCATS / TYPE#<type>#S<nn>        type, count
//   STATS#TASKCATS / SUBJECT#<subject>#S<nn>  subject, count
//
// Types and subjects are free slugs, so each value is its own (sharded) counter item rather than an attribute
// of TOTALS (which would grow without bound). They count the tasks that are not cancelled (like `totalTasks`):
// +1 on create, -1 old +1 new on an edit that changes them, -1 on cancel. Only tasks marked
// `categoriesCounted` (every task created since these counters exist, and those the `task-categories`
// migration counted) move them, so the migration and live writes never count a task twice.

const CATS_PK = 'STATS#TASKCATS';

export const taskCategoryKeys = {
  partition: CATS_PK,
  type: (type: string) => ({ pk: CATS_PK, sk: `TYPE#${type}` }),
  subject: (subject: string) => ({ pk: CATS_PK, sk: `SUBJECT#${subject}` }),
};

/** TransactWrite items adding `delta` to the counters of `type` and `subject` (one shard, random unless given). */
export function taskCategoryItems(db: Pick<Db, 'tableName'>, task: { type: string; subject: string }, delta: number, shard = randomCounterShard()) {
  return [
    counterUpdate(db.tableName, sharded(taskCategoryKeys.type(task.type), shard), { count: delta }, { type: task.type }),
    counterUpdate(db.tableName, sharded(taskCategoryKeys.subject(task.subject), shard), { count: delta }, { subject: task.subject }),
  ];
}

/** TransactWrite items for an edit from `before` to `after`: -1 old, +1 new for whichever of type and subject changed. */
export function taskCategoryEditItems(db: Pick<Db, 'tableName'>, before: { type: string; subject: string }, after: { type: string; subject: string }, shard = randomCounterShard()) {
  const items = [];
  if (before.type !== after.type) {
    items.push(counterUpdate(db.tableName, sharded(taskCategoryKeys.type(before.type), shard), { count: -1 }, { type: before.type }));
    items.push(counterUpdate(db.tableName, sharded(taskCategoryKeys.type(after.type), shard), { count: 1 }, { type: after.type }));
  }
  if (before.subject !== after.subject) {
    items.push(counterUpdate(db.tableName, sharded(taskCategoryKeys.subject(before.subject), shard), { count: -1 }, { subject: before.subject }));
    items.push(counterUpdate(db.tableName, sharded(taskCategoryKeys.subject(after.subject), shard), { count: 1 }, { subject: after.subject }));
  }
  return items;
}

/**
 * Tasks (not cancelled) by type and by subject: one strongly consistent Query of `STATS#TASKCATS` (all pages), the
 * shards summed. Its size grows with the number of distinct types and subjects (x shards), not with the tasks.
 * Values whose count is 0 are left out.
 */
export async function getTaskCategoryStats(db: Db): Promise<{ byType: Record<string, number>; bySubject: Record<string, number> }> {
  const items = await queryCounterItems(db, CATS_PK, { between: ['SUBJECT#', 'TYPE#~'] });
  const byType: Record<string, number> = {};
  const bySubject: Record<string, number> = {};
  for (const item of items) {
    const n = typeof item.count === 'number' ? item.count : 0;
    if (typeof item.type === 'string') byType[item.type] = (byType[item.type] ?? 0) + n;
    else if (typeof item.subject === 'string') bySubject[item.subject] = (bySubject[item.subject] ?? 0) + n;
  }
  const nonZero = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([, n]) => n !== 0).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { byType: nonZero(byType), bySubject: nonZero(bySubject) };
}
