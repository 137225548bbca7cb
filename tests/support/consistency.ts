// Test stand-ins for DynamoDB's read consistency, which DynamoDB Local does not reproduce.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { getDb, type Db } from '../../shared/db/client.ts';

/**
 * The table as DynamoDB may show it for about a second after a write: an eventually consistent GetItem of
 * `key` still answers `stale`, a consistent one sees the table. DynamoDB Local is always consistent, so this
 * stands in for a replica that has not caught up.
 */
export function laggingReplica(key: { pk: string; sk: string }, stale: Record<string, unknown> | undefined): Db {
  const db = getDb();
  const send = (command: unknown) => {
    if (command instanceof GetCommand && !command.input.ConsistentRead && command.input.Key?.pk === key.pk && command.input.Key?.sk === key.sk) {
      return Promise.resolve({ Item: stale, $metadata: {} });
    }
    return db.doc.send(command as GetCommand);
  };
  return { tableName: db.tableName, doc: { send } as unknown as Db['doc'] };
}
