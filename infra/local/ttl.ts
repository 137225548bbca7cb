// DynamoDB's TTL process, which DynamoDB Local does not have: deletes items whose `expiresAt` (epoch seconds)
// has passed, as AWS does some time after expiry. Its deletes reach the stream poller marked the way AWS
// marks TTL removals (userIdentity: Service, dynamodb.amazonaws.com), so the functions subscribed to them
// (shared/streams/subscriptions.ts) run locally too.
//
// Differences from AWS, on purpose: AWS deletes within days of expiry on its own schedule; here a sweep runs
// when asked (`stack.runTtl(at)` in tests, to say "TTL ran at this time") or every minute under `npm start`.
// A sweep Scans the table: this is the emulator of a service process, never a request path.
import { DeleteItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { tableDefinition } from '../../shared/db/table.ts';
import { localDynamoClient } from './dynamodb-local.ts';

/** Identity of a table item by its primary key, as the poller and the sweeper both compute it. */
export function keyIdOf(keys: Record<string, AttributeValue | { S?: string }> | undefined): string {
  const pk = (keys?.[tableDefinition.partitionKey] as { S?: string } | undefined)?.S ?? '';
  const sk = (keys?.[tableDefinition.sortKey] as { S?: string } | undefined)?.S ?? '';
  return `${pk}\u0000${sk}`;
}

/** The keys the sweeper is deleting or has deleted, until the stream poller has claimed their REMOVE record. */
export class TtlDeletions {
  private readonly pending = new Set<string>();

  add(keyId: string): void {
    this.pending.add(keyId);
  }

  cancel(keyId: string): void {
    this.pending.delete(keyId);
  }

  /** True (once) when the REMOVE of this key was the sweeper's. */
  claim(keyId: string): boolean {
    return this.pending.delete(keyId);
  }
}

export interface TtlSweeper {
  /** Deletes every item expired at `at` (default now); resolves with how many it deleted. */
  sweep(at?: Date): Promise<number>;
  close(): Promise<void>;
}

export function createTtlSweeper(options: { endpoint: string; tableName: string; deletions: TtlDeletions; intervalMs?: number }): TtlSweeper {
  const client = localDynamoClient(options.endpoint);
  const ttl = tableDefinition.ttlAttribute;
  let running: Promise<number> | undefined;

  const sweepOnce = async (at: Date): Promise<number> => {
    const nowSeconds = String(Math.floor(at.getTime() / 1000));
    let deleted = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      // TTL only considers numbers: an ISO string under expiresAt (announcements) never matches `<=` a number.
      const page = await client.send(
        new ScanCommand({
          TableName: options.tableName,
          FilterExpression: '#ttl <= :now',
          ProjectionExpression: '#pk, #sk',
          ExpressionAttributeNames: { '#ttl': ttl, '#pk': tableDefinition.partitionKey, '#sk': tableDefinition.sortKey },
          ExpressionAttributeValues: { ':now': { N: nowSeconds } },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const key of page.Items ?? []) {
        const id = keyIdOf(key);
        // Registered before the delete, so the poller cannot read the REMOVE record first.
        options.deletions.add(id);
        try {
          await client.send(
            new DeleteItemCommand({
              TableName: options.tableName,
              Key: key,
              // As AWS does: an item whose expiry was moved or removed meanwhile stays.
              ConditionExpression: '#ttl <= :now',
              ExpressionAttributeNames: { '#ttl': ttl },
              ExpressionAttributeValues: { ':now': { N: nowSeconds } },
            }),
          );
          deleted++;
        } catch (err) {
          options.deletions.cancel(id);
          if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
        }
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return deleted;
  };

  const timer = options.intervalMs
    ? setInterval(() => {
        if (running) return;
        running = sweepOnce(new Date())
          .catch((err) => {
            console.error('[ttl] sweep failed', err);
            return 0;
          })
          .finally(() => (running = undefined));
      }, options.intervalMs)
    : undefined;
  timer?.unref();

  return {
    async sweep(at = new Date()) {
      await running;
      return sweepOnce(at);
    },
    async close() {
      if (timer) clearInterval(timer);
      await running;
      client.destroy();
    },
  };
}
