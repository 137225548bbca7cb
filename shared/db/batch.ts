// BatchGetItem without its edges: any number of keys (chunks of 100), unprocessed keys retried with backoff.
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from './client.ts';

/** BatchGet of up to any number of keys in chunks of 100, retrying unprocessed keys. */
export async function batchGetItems(db: Db, keys: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + 100);
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** Math.min(attempt, 6)));
      const out = await db.doc.send(new BatchGetCommand({ RequestItems: { [db.tableName]: { Keys: pending, ConsistentRead: true } } }));
      items.push(...(out.Responses?.[db.tableName] ?? []));
      pending = out.UnprocessedKeys?.[db.tableName]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return items;
}

/**
 * The items named by `ids`, in that order (a list page read from list entries), one BatchGet per 100 keys;
 * an id whose item is gone (deleted between the two reads) is left out.
 */
export async function batchGetInOrder<T extends { id: string }>(
  db: Db,
  ids: readonly string[],
  keyOf: (id: string) => Record<string, unknown>,
  fromItem: (item: Record<string, unknown>) => T,
): Promise<T[]> {
  if (ids.length === 0) return [];
  const byId = new Map((await batchGetItems(db, ids.map(keyOf))).map((item) => {
    const value = fromItem(item);
    return [value.id, value] as const;
  }));
  return ids.map((id) => byId.get(id)).filter((v): v is T => v !== undefined);
}
