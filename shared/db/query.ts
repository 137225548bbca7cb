// Paged Query: the one way lists read the table (no Scan in any request path).
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Db } from './client.ts';
import { tableDefinition, type IndexName } from './table.ts';
import { decodeCursor, encodeCursor } from './errors.ts';
import { validationError } from '../errors.ts';
import { getConfig } from '../config.ts';

export interface PageRequest {
  limit: number;
  cursor?: string;
  /**
   * The spec's page number (1-based). Without a cursor, page N is the `limit` items after the first
   * (N - 1) x limit items of the list (matches, when there is a filter), which are read and skipped: DynamoDB
   * cannot jump to an offset. Ignored when a cursor is given (the cursor knows its position).
   */
  page?: number;
  /** What this request may still read; every read of one request shares it. Default: a new request budget. */
  budget?: ReadBudget;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

/**
 * How many items one request may have DynamoDB read (ScannedCount: matching or not, skipped or returned),
 * across every Query it makes. Page walks and search filters both draw from it; once it is spent the request
 * answers with what it has and a `nextCursor` that continues where it stopped (including the rest of a page
 * walk), never with more reads.
 */
export interface ReadBudget {
  remaining: number;
  /** Items read so far. */
  read: number;
}

/** A fresh budget for one request: `LIST_READ_BUDGET` items. */
export function newReadBudget(items = getConfig().LIST_READ_BUDGET): ReadBudget {
  return { remaining: items, read: 0 };
}

/** Cursor attribute that carries how many more items a page walk cut short by the budget still has to skip. */
const SKIP = '~skip';
/** Skips beyond this are not a walk any page of the contract makes (page ≤ 50, limit ≤ 100). */
const MAX_SKIP = 50 * 100;

export interface QueryPageInput {
  index?: IndexName;
  /** Partition key attribute value, e.g. taskKeys.byStudent(id).gsi1pk */
  partition: { name: string; value: string };
  /** Optional sort key condition. */
  sort?: { name: string; beginsWith?: string; between?: [string, string]; gt?: string; gte?: string; lt?: string; lte?: string };
  /**
   * With a filter, DynamoDB may return fewer matches than asked (it reads and bills the non-matching items
   * too): reads continue, in growing chunks, until the page is full or the request's read budget is spent,
   * and a short page comes back with a cursor for the rest.
   */
  filter?: Pick<QueryCommandInput, 'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;
  ascending?: boolean;
}

/** The first chunk of a filtered read, and the largest one (chunks double while matches are scarce). */
const FIRST_FILTERED_CHUNK = 50;
const MAX_CHUNK = 1000;

/**
 * Reads one page of a Query, resuming from an opaque cursor that must belong to the same partition, or
 * walking to `page`. Never reads more than the request's budget (`PageRequest.budget`): past it, the page
 * comes back short (possibly empty) with a `nextCursor` to continue.
 */
export async function queryPage<T>(
  db: Db,
  input: QueryPageInput,
  page: PageRequest,
  fromItem: (item: Record<string, unknown>) => T,
): Promise<Page<T>> {
  const names: Record<string, string> = { '#pk': input.partition.name, ...(input.filter?.ExpressionAttributeNames ?? {}) };
  const values: Record<string, unknown> = { ':pk': input.partition.value, ...(input.filter?.ExpressionAttributeValues ?? {}) };
  let keyCondition = '#pk = :pk';
  const s = input.sort;
  if (s && (s.beginsWith ?? s.between ?? s.gt ?? s.lt ?? s.gte ?? s.lte) !== undefined) {
    names['#sk'] = s.name;
    if (s.beginsWith !== undefined) {
      keyCondition += ' AND begins_with(#sk, :skp)';
      values[':skp'] = s.beginsWith;
    } else if (s.between) {
      keyCondition += ' AND #sk BETWEEN :ska AND :skb';
      values[':ska'] = s.between[0];
      values[':skb'] = s.between[1];
    } else if (s.gt !== undefined) {
      keyCondition += ' AND #sk > :ska';
      values[':ska'] = s.gt;
    } else if (s.lt !== undefined) {
      keyCondition += ' AND #sk < :skb';
      values[':skb'] = s.lt;
    } else if (s.gte !== undefined) {
      keyCondition += ' AND #sk >= :ska';
      values[':ska'] = s.gte;
    } else if (s.lte !== undefined) {
      keyCondition += ' AND #sk <= :skb';
      values[':skb'] = s.lte;
    }
  }
  let { startKey, skip } = positionOf(page);
  if (startKey && startKey[input.partition.name] !== input.partition.value) {
    throw validationError('cursor', 'cursor belongs to another list');
  }
  // A crafted cursor of the right list but not a whole key of this table/index would make DynamoDB refuse the Query (a 500).
  if (startKey && !isKeyOf(startKey, input.index)) throw validationError('cursor', 'cursor is malformed or from another list');
  // A cursor outside the sort range (the range moved since the previous page, e.g. an unread list whose lower
  // bound rose with a read-all): DynamoDB would refuse it. Past the end of the range nothing is left; before
  // its start, the page starts at the range's first item.
  if (startKey && s) {
    const position = positionInRange(startKey[s.name] as string, s);
    const ascending = input.ascending ?? true;
    if (position !== 'inside') {
      if ((position === 'below') !== ascending) return { items: [] };
      startKey = undefined;
    }
  }
  const budget = page.budget ?? newReadBudget();
  // Read one item beyond the page so a cursor is handed out only when there really is more.
  const kept: Record<string, unknown>[] = [];
  let chunk = Math.max(page.limit + 1, FIRST_FILTERED_CHUNK);
  for (let read = 0; ; read++) {
    // Unfiltered, exactly what is still needed; filtered, chunks that grow while matches are scarce.
    const wanted = input.filter ? chunk : skip + page.limit + 1 - kept.length;
    const out = await sendQuery(
      db,
      page.cursor !== undefined && read === 0,
      new QueryCommand({
        TableName: db.tableName,
        IndexName: input.index,
        KeyConditionExpression: keyCondition,
        FilterExpression: input.filter?.FilterExpression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: input.ascending ?? true,
        // The first read of a request always reads something, however little budget is left.
        Limit: Math.max(1, Math.min(wanted, MAX_CHUNK, budget.remaining)),
        ExclusiveStartKey: startKey,
      }),
    );
    const scanned = out.ScannedCount ?? out.Items?.length ?? 0;
    budget.remaining -= scanned;
    budget.read += scanned;
    for (const item of out.Items ?? []) {
      if (skip > 0) skip--;
      else kept.push(item);
    }
    startKey = out.LastEvaluatedKey;
    if (!startKey || kept.length > page.limit || budget.remaining <= 0) break;
    chunk = Math.min(chunk * 2, MAX_CHUNK);
  }
  if (kept.length > page.limit) {
    const last = kept[page.limit - 1];
    return { items: kept.slice(0, page.limit).map(fromItem), nextCursor: encodeCursor(keyOf(last, input.index)) };
  }
  // The end of the list, or the budget spent: what was found, and where to continue (the rest of a walk included).
  return { items: kept.map(fromItem), nextCursor: startKey ? encodeCursor(skip > 0 ? { ...startKey, [SKIP]: skip } : startKey) : undefined };
}

/** Where a page starts: the cursor's key (and the walk it still owes), or the start of the list and the page's offset. */
function positionOf(page: PageRequest): { startKey?: Record<string, unknown>; skip: number } {
  const decoded = decodeCursor(page.cursor);
  if (!decoded) return { skip: page.page && page.page > 1 ? (page.page - 1) * page.limit : 0 };
  if (!(SKIP in decoded)) return { startKey: decoded, skip: 0 };
  const { [SKIP]: skip, ...startKey } = decoded;
  if (typeof skip !== 'number' || !Number.isInteger(skip) || skip < 1 || skip > MAX_SKIP) {
    throw validationError('cursor', 'cursor is malformed or from another list');
  }
  return { startKey, skip };
}

/** Where a sort-key value lies against a range condition (a prefix condition counts as inside: the partition check guards it). */
function positionInRange(value: string, s: NonNullable<QueryPageInput['sort']>): 'below' | 'inside' | 'above' {
  const [low, lowInclusive] = s.between ? [s.between[0], true] : s.gt !== undefined ? [s.gt, false] : s.gte !== undefined ? [s.gte, true] : [undefined, true];
  const [high, highInclusive] = s.between ? [s.between[1], true] : s.lt !== undefined ? [s.lt, false] : s.lte !== undefined ? [s.lte, true] : [undefined, true];
  if (low !== undefined && (value < low || (!lowInclusive && value === low))) return 'below';
  if (high !== undefined && (value > high || (!highInclusive && value === high))) return 'above';
  return 'inside';
}

/** The key attributes a start key of this table or index carries, all strings (every key attribute is type S). */
function isKeyOf(key: Record<string, unknown>, index: IndexName | undefined): boolean {
  const expected = Object.keys(keyOf({}, index));
  const given = Object.keys(key);
  return given.length === expected.length && expected.every((name) => typeof key[name] === 'string');
}

/** DynamoDB refuses a start key outside the key condition; when that key came from the client it is a bad cursor, not a 500. */
async function sendQuery(db: Db, fromClientCursor: boolean, command: QueryCommand) {
  try {
    return await db.doc.send(command);
  } catch (err) {
    if (fromClientCursor && (err as { name?: string })?.name === 'ValidationException') {
      throw validationError('cursor', 'cursor is malformed or from another list');
    }
    throw err;
  }
}

function keyOf(item: Record<string, unknown>, index: IndexName | undefined): Record<string, unknown> {
  const key: Record<string, unknown> = { [tableDefinition.partitionKey]: item[tableDefinition.partitionKey], [tableDefinition.sortKey]: item[tableDefinition.sortKey] };
  const gsi = tableDefinition.globalSecondaryIndexes.find((g) => g.indexName === index);
  if (gsi) {
    key[gsi.partitionKey] = item[gsi.partitionKey];
    key[gsi.sortKey] = item[gsi.sortKey];
  }
  return key;
}

/**
 * Every item of a Query, one DynamoDB page (up to 1 MB) at a time, for the bounded walks that need a whole
 * partition: a chat's read positions, a task's deliverables, and the backfill's migrations (never a list
 * endpoint: those read one page through queryPage).
 */
export async function* queryAll(db: Db, input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): AsyncGenerator<Record<string, unknown>> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await db.doc.send(new QueryCommand({ ...input, TableName: db.tableName, ExclusiveStartKey: startKey }));
    yield* out.Items ?? [];
    startKey = out.LastEvaluatedKey;
  } while (startKey);
}
