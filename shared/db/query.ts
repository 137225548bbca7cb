// Paged Query: the one way lists read the table (no Scan in any request path).
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Db } from './client.ts';
import { tableDefinition, type IndexName } from './table.ts';
import { decodeCursor, encodeCursor } from './errors.ts';
import { validationError } from '../errors.ts';

export interface PageRequest {
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface QueryPageInput {
  index?: IndexName;
  /** Partition key attribute value, e.g. taskKeys.byStudent(id).gsi1pk */
  partition: { name: string; value: string };
  /** Optional sort key condition. */
  sort?: { name: string; beginsWith?: string; between?: [string, string]; gt?: string; gte?: string; lt?: string; lte?: string };
  filter?: Pick<QueryCommandInput, 'FilterExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>;
  ascending?: boolean;
  /**
   * With a filter, DynamoDB may return fewer matches than asked; read up to this many
   * DynamoDB pages per request so the cost stays bounded, and hand back a cursor for the rest.
   */
  maxReads?: number;
}

/** Reads one page of a Query, resuming from an opaque cursor that must belong to the same partition. */
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
  let startKey = decodeCursor(page.cursor);
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
  // Read one item beyond the page so a cursor is handed out only when there really is more.
  const raw: Record<string, unknown>[] = [];
  const maxReads = input.filter ? (input.maxReads ?? 5) : 1;
  for (let read = 0; read < maxReads; read++) {
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
        Limit: input.filter ? Math.max(page.limit + 1, 50) : page.limit + 1,
        ExclusiveStartKey: startKey,
      }),
    );
    raw.push(...(out.Items ?? []));
    startKey = out.LastEvaluatedKey;
    if (!startKey || raw.length > page.limit) break;
  }
  if (raw.length > page.limit) {
    const last = raw[page.limit - 1];
    return { items: raw.slice(0, page.limit).map(fromItem), nextCursor: encodeCursor(keyOf(last, input.index)) };
  }
  return { items: raw.map(fromItem), nextCursor: encodeCursor(startKey) };
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
