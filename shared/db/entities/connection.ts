// WebSocket connections: one item per open API Gateway connection, findable by user (push to a user's
// devices) and by role (push to all admins / everyone). Items expire by TTL shortly after API Gateway's
// 2-hour connection limit, so a missed $disconnect cannot leave a connection behind for long.
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';
import type { Role } from '../../auth/tokens.ts';

export interface Connection {
  connectionId: string;
  userId: string;
  role: Role;
  /** The session (refresh-token family) of the access token the connection was opened with, when it had one. */
  sessionId?: string;
  connectedAt: string;
  /** Epoch seconds; DynamoDB TTL deletes the item some time after this (DynamoDB Local never does). */
  expiresAt: number;
}

/** API Gateway closes every connection after 2 hours; the margin covers clock skew and a late $disconnect. */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60 + 15 * 60;

export const connectionKeys = {
  connection: (connectionId: string) => ({ pk: `CONN#${connectionId}`, sk: 'CONN' }),
  /** gsi1: a user's connections (all their tabs and devices). */
  byUser: (userId: string) => ({ gsi1pk: `USERCONN#${userId}` }),
  /** gsi2: every connection of a role, for fan-out to all admins or all students. */
  byRole: (role: Role) => ({ gsi2pk: `ROLECONN#${role}` }),
};

export function toConnectionItem(c: Connection): Record<string, unknown> {
  const sortKey = `${c.connectedAt}#${c.connectionId}`;
  return {
    ...connectionKeys.connection(c.connectionId),
    ...connectionKeys.byUser(c.userId),
    gsi1sk: sortKey,
    ...connectionKeys.byRole(c.role),
    gsi2sk: sortKey,
    entity: 'connection',
    ...c,
  };
}

export function fromConnectionItem(item: Record<string, unknown>): Connection {
  return {
    connectionId: item.connectionId as string,
    userId: item.userId as string,
    role: item.role as Role,
    ...(typeof item.sessionId === 'string' ? { sessionId: item.sessionId } : {}),
    connectedAt: item.connectedAt as string,
    expiresAt: Number(item.expiresAt),
  };
}

/** A connection past its TTL is dead even if the item is still there (TTL deletion lags; DynamoDB Local never deletes). */
export function isConnectionLive(c: Pick<Connection, 'expiresAt'>, now: Date): boolean {
  return c.expiresAt > Math.floor(now.getTime() / 1000);
}

export function newConnection(input: { connectionId: string; userId: string; role: Role; sessionId?: string }, now: Date): Connection {
  return { ...input, connectedAt: now.toISOString(), expiresAt: Math.floor(now.getTime() / 1000) + CONNECTION_TTL_SECONDS };
}

/** One connection by id, or undefined when it is unknown or past its TTL. */
export async function getConnection(db: Db, connectionId: string, now: Date): Promise<Connection | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: connectionKeys.connection(connectionId) }));
  if (!out.Item) return undefined;
  const connection = fromConnectionItem(out.Item);
  return isConnectionLive(connection, now) ? connection : undefined;
}

/** Stores the connection ($connect). A reused connection id simply replaces the old item. */
export async function putConnection(db: Db, connection: Connection): Promise<void> {
  await db.doc.send(new PutCommand({ TableName: db.tableName, Item: toConnectionItem(connection) }));
}

/** Deletes one connection ($disconnect, or a 410 from the Management API); idempotent. */
export async function deleteConnection(db: Db, connectionId: string): Promise<void> {
  await db.doc.send(new DeleteCommand({ TableName: db.tableName, Key: connectionKeys.connection(connectionId) }));
}

/** Reads one index partition page by page (1 MB each), yielding the live connections of each page. */
async function* livePages(db: Db, index: 'gsi1' | 'gsi2', partition: { name: string; value: string }, now: Date): AsyncGenerator<Connection[]> {
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        IndexName: index,
        KeyConditionExpression: '#pk = :pk',
        // Filtering here costs no extra read capacity; the check in code below is what guarantees it.
        FilterExpression: '#exp > :now',
        ExpressionAttributeNames: { '#pk': partition.name, '#exp': 'expiresAt' },
        ExpressionAttributeValues: { ':pk': partition.value, ':now': Math.floor(now.getTime() / 1000) },
        ExclusiveStartKey: startKey,
      }),
    );
    yield (out.Items ?? []).map(fromConnectionItem).filter((c) => isConnectionLive(c, now));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
}

async function collect(pages: AsyncGenerator<Connection[]>): Promise<Connection[]> {
  const all: Connection[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

/** All live connections of a user: one Query on gsi1 (a user has a handful of tabs/devices). */
export function listConnectionsByUser(db: Db, userId: string, now: Date): Promise<Connection[]> {
  return collect(livePages(db, 'gsi1', { name: 'gsi1pk', value: connectionKeys.byUser(userId).gsi1pk }, now));
}

/**
 * Live connections of a role, page by page: Query on gsi2, 1 MB per page (about 3,000 connection items),
 * 128 RCU per full page eventually consistent. Broadcast fan-out sends each page before reading the next,
 * so memory stays bounded whatever the number of connections.
 */
export function connectionPagesByRole(db: Db, role: Role, now: Date): AsyncGenerator<Connection[]> {
  return livePages(db, 'gsi2', { name: 'gsi2pk', value: connectionKeys.byRole(role).gsi2pk }, now);
}

/** All live connections of a role (see connectionPagesByRole for the cost). */
export function listConnectionsByRole(db: Db, role: Role, now: Date): Promise<Connection[]> {
  return collect(connectionPagesByRole(db, role, now));
}
