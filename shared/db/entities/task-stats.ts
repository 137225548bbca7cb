// Task counters the dashboards read (GET /analytics/*, GET /admin/tasks/statistics): tasks by status, and
// tasks created / completed per day and per month. Written only as TransactWrite items inside the task
// write they count, so they never drift from the tasks; read with a constant number of requests.
//
//   STATS#TASKS / TOTALS           total, pending, in_progress, completed, revision_needed, rejected, cancelled
//   STATS#TASKS / DAY#YYYY-MM-DD   date, created, completed
//   STATS#TASKS / MONTH#YYYY-MM    month, created, completed
//
// Days and months share one partition so a date range is one Query (`sk BETWEEN DAY#<from> AND DAY#<to>`).
// Days are UTC.
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';
import { queryPage } from '../query.ts';
import { TASK_STATUSES, type TaskStatus } from './task.ts';

const PK = 'STATS#TASKS';

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

type Update = {
  Update: {
    TableName: string;
    Key: Record<string, string>;
    UpdateExpression: string;
    ExpressionAttributeNames: Record<string, string>;
    ExpressionAttributeValues: Record<string, unknown>;
  };
};

function addTo(tableName: string, key: Record<string, string>, deltas: Record<string, number>, set: Record<string, string> = {}): Update {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const adds = Object.entries(deltas).map(([name, n], i) => {
    names[`#a${i}`] = name;
    values[`:a${i}`] = n;
    return `#a${i} :a${i}`;
  });
  const sets = Object.entries(set).map(([name, v], i) => {
    names[`#s${i}`] = name;
    values[`:s${i}`] = v;
    return `#s${i} = :s${i}`;
  });
  return {
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression: `${sets.length ? `SET ${sets.join(', ')} ` : ''}ADD ${adds.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

function perPeriod(tableName: string, at: string, counter: 'created' | 'completed'): Update[] {
  return [
    addTo(tableName, taskStatsKeys.day(dayOf(at)), { [counter]: 1 }, { date: dayOf(at) }),
    addTo(tableName, taskStatsKeys.month(monthOf(at)), { [counter]: 1 }, { month: monthOf(at) }),
  ];
}

/** TransactWrite items for a task created at `at` in `status`: totals (+1 total, +1 status), created per day and month. */
export function taskCreatedStatsItems(db: Pick<Db, 'tableName'>, status: TaskStatus, at: string): Update[] {
  return [addTo(db.tableName, taskStatsKeys.totals, { total: 1, [status]: 1 }), ...perPeriod(db.tableName, at, 'created')];
}

/** TransactWrite items for a status move at `at`: totals (-1 from, +1 to) and, into `completed`, completed per day and month. */
export function taskStatusStatsItems(db: Pick<Db, 'tableName'>, from: TaskStatus, to: TaskStatus, at: string): Update[] {
  const items = [addTo(db.tableName, taskStatsKeys.totals, { [from]: -1, [to]: 1 })];
  if (to === 'completed') items.push(...perPeriod(db.tableName, at, 'completed'));
  return items;
}

export type TaskTotals = { total: number } & Record<TaskStatus, number>;

export interface TaskPeriodCounts {
  created: number;
  completed: number;
}

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** Tasks by status and in total, plus the counts of one month (default: none). One BatchGet. */
export async function getTaskStats(db: Db, month?: string): Promise<{ totals: TaskTotals; month?: TaskPeriodCounts }> {
  const keys: Record<string, string>[] = [taskStatsKeys.totals, ...(month ? [taskStatsKeys.month(month)] : [])];
  const out = await db.doc.send(new BatchGetCommand({ RequestItems: { [db.tableName]: { Keys: keys, ConsistentRead: true } } }));
  const items = out.Responses?.[db.tableName] ?? [];
  const totalsItem = items.find((i) => i.sk === taskStatsKeys.totals.sk) ?? {};
  const monthItem = month ? items.find((i) => i.sk === taskStatsKeys.month(month).sk) : undefined;
  const totals = { total: num(totalsItem.total) } as TaskTotals;
  for (const s of TASK_STATUSES) totals[s] = num(totalsItem[s]);
  return { totals, ...(month ? { month: { created: num(monthItem?.created), completed: num(monthItem?.completed) } } : {}) };
}

/**
 * Created/completed per day for `from..to` (inclusive `YYYY-MM-DD`), only days that have counts; one Query
 * per 366 days (each item is ~60 bytes, far inside one 1 MB page). Callers fill missing days with zeros.
 */
export async function listTaskDays(db: Db, from: string, to: string): Promise<({ date: string } & TaskPeriodCounts)[]> {
  return listPeriods(db, 'DAY#', from, to, 'date');
}

/** Created/completed per month for `from..to` (inclusive `YYYY-MM`). */
export async function listTaskMonths(db: Db, from: string, to: string): Promise<({ month: string } & TaskPeriodCounts)[]> {
  return listPeriods(db, 'MONTH#', from, to, 'month');
}

async function listPeriods<K extends 'date' | 'month'>(db: Db, prefix: string, from: string, to: string, field: K) {
  const rows: ({ [P in K]: string } & TaskPeriodCounts)[] = [];
  let cursor: string | undefined;
  do {
    const page = await queryPage(
      db,
      { partition: { name: 'pk', value: PK }, sort: { name: 'sk', between: [`${prefix}${from}`, `${prefix}${to}`] } },
      { limit: 400, cursor },
      (item) => ({ [field]: String(item.sk).slice(prefix.length), created: num(item.created), completed: num(item.completed) }) as unknown as { [P in K]: string } & TaskPeriodCounts,
    );
    rows.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}
