// Sharded counter items. A counter every sign-up or task change adds to is a hot item: DynamoDB cancels
// transactions that touch one item at the same time (TransactionConflict), so one item per counter makes
// concurrent sign-ups and task creations fail or queue. Each counter item is therefore split into
// COUNTER_SHARDS items (`<sk>#S<nn>`); a write adds to one shard chosen at random, a reader sums every item
// whose sort key starts with the counter's sort key, which also counts the unsharded item written before
// sharding (`<sk>` itself), so no migration is needed and the shard count may be raised at any time.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from './client.ts';

/**
 * How many items each counter is split into. Two transactions conflict on a counter only when they pick the
 * same shard (1 in COUNTER_SHARDS); a collision is retried by the caller. Readers do not depend on this
 * number (they read by prefix), so it can be raised later; lowering it strands nothing either.
 */
export const COUNTER_SHARDS = 10;

/** A shard number for one write: random, so concurrent writers spread over the shards. */
export const randomCounterShard = (): number => Math.floor(Math.random() * COUNTER_SHARDS);

/** Sort key of one shard of the counter whose unsharded sort key is `sk`: `TOTALS#S07`. */
export const counterShardSk = (sk: string, shard: number): string => {
  if (!Number.isInteger(shard) || shard < 0) throw new Error(`invalid counter shard ${shard}`);
  return `${sk}#S${String(shard).padStart(2, '0')}`;
};

/** The unsharded sort key a counter item (sharded or legacy) belongs to: `DAY#2025-03-09#S07` -> `DAY#2025-03-09`. */
export const counterBaseSk = (sk: string): string => sk.replace(/#S\d+$/, '');

/** `ADD` deltas (and `SET` constants) on one counter item, as a TransactWrite `Update`. */
export function counterUpdate(tableName: string, key: { pk: string; sk: string }, deltas: Record<string, number>, set: Record<string, string> = {}) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const adds = Object.entries(deltas).map(([name, n], i) => {
    names[`#a${i}`] = name;
    values[`:a${i}`] = n;
    return `#a${i} :a${i}`;
  });
  if (adds.length === 0) throw new Error('counterUpdate needs at least one delta');
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

/**
 * Every item of one counter partition whose sort key lies in `range` (a prefix, or inclusive bounds),
 * strongly consistent, all pages (a counter range is small: shards x periods of ~100-byte items).
 */
export async function queryCounterItems(
  db: Db,
  pk: string,
  range: { beginsWith: string } | { between: [string, string] },
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'beginsWith' in range ? 'pk = :pk AND begins_with(sk, :a)' : 'pk = :pk AND sk BETWEEN :a AND :b',
        ExpressionAttributeValues: { ':pk': pk, ...('beginsWith' in range ? { ':a': range.beginsWith } : { ':a': range.between[0], ':b': range.between[1] }) },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(out.Items ?? []));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Sums the numeric attributes `fields` over counter items (shards and the legacy item alike); missing is 0. */
export function sumCounters<F extends string>(items: Record<string, unknown>[], fields: readonly F[]): Record<F, number> {
  const sums = Object.fromEntries(fields.map((f) => [f, 0])) as Record<F, number>;
  for (const item of items) {
    for (const f of fields) if (typeof item[f] === 'number') sums[f] += item[f] as number;
  }
  return sums;
}
