// Sessions: one refresh-token family per sign-in, and one item per refresh token ever issued in it (stored only
// as a hash). Used tokens stay until they expire so that a replay is recognised as reuse (RFC 9700 4.14.2).
import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';
import { fromUserItem, userKeys, type User } from './user.ts';

export interface SessionFamily {
  familyId: string;
  userId: string;
  /** The user's sessionVersion when the family was issued; a bump on the user kills the family. */
  sessionVersion: number;
  /** Number of rotations so far. */
  generation: number;
  createdAt: string;
  lastRotatedAt: string;
  /** Epoch seconds (TTL): the expiry of the family's newest token. */
  expiresAt: number;
  revokedAt?: string;
  revokedReason?: 'logout' | 'reuse';
}

export interface RefreshTokenRecord {
  tokenHash: string;
  familyId: string;
  userId: string;
  generation: number;
  issuedAt: string;
  /** Epoch seconds (TTL). TTL deletes late, so readers check it too. */
  expiresAt: number;
  /** Set when the token was exchanged; presenting it again is reuse. */
  usedAt?: string;
}

export const sessionKeys = {
  family: (familyId: string) => ({ pk: `SESSION#${familyId}`, sk: 'FAMILY' }),
  refreshToken: (tokenHash: string) => ({ pk: `REFRESH#${tokenHash}`, sk: 'REFRESH' }),
};

export function toFamilyItem(family: SessionFamily): Record<string, unknown> {
  return { ...sessionKeys.family(family.familyId), entity: 'sessionFamily', ...family };
}

export function fromFamilyItem(item: Record<string, unknown>): SessionFamily {
  const { pk, sk, entity, ...family } = item;
  void pk, sk, entity;
  return family as unknown as SessionFamily;
}

export function toRefreshTokenItem(token: RefreshTokenRecord): Record<string, unknown> {
  return { ...sessionKeys.refreshToken(token.tokenHash), entity: 'refreshToken', ...token };
}

export function fromRefreshTokenItem(item: Record<string, unknown>): RefreshTokenRecord {
  const { pk, sk, entity, ...token } = item;
  void pk, sk, entity;
  return token as unknown as RefreshTokenRecord;
}

export async function getRefreshTokenByHash(db: Db, tokenHash: string): Promise<RefreshTokenRecord | undefined> {
  const out = await db.doc.send(
    new GetCommand({ TableName: db.tableName, Key: sessionKeys.refreshToken(tokenHash), ConsistentRead: true }),
  );
  return out.Item ? fromRefreshTokenItem(out.Item) : undefined;
}

/** The family and its user in one BatchGetItem (strongly consistent: a revocation must be seen at once). */
export async function getFamilyWithUser(
  db: Db,
  familyId: string,
  userId: string,
): Promise<{ family?: SessionFamily; user?: User }> {
  const familyKey = sessionKeys.family(familyId);
  const userKey = userKeys.user(userId);
  let keys: Record<string, unknown>[] = [familyKey, userKey];
  const found: Record<string, unknown>[] = [];
  // BatchGet may hand keys back unprocessed under throttling; two keys need at most a few rounds.
  for (let attempt = 0; keys.length > 0 && attempt < 5; attempt++) {
    const out = await db.doc.send(
      new BatchGetCommand({ RequestItems: { [db.tableName]: { Keys: keys, ConsistentRead: true } } }),
    );
    found.push(...(out.Responses?.[db.tableName] ?? []));
    keys = (out.UnprocessedKeys?.[db.tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
  }
  if (keys.length > 0) throw new Error('BatchGet left keys unprocessed');
  const familyItem = found.find((i) => i.pk === familyKey.pk && i.sk === familyKey.sk);
  const userItem = found.find((i) => i.pk === userKey.pk && i.sk === userKey.sk);
  return {
    family: familyItem ? fromFamilyItem(familyItem) : undefined,
    user: userItem ? fromUserItem(userItem) : undefined,
  };
}
