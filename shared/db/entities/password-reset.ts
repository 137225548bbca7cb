// Password-reset tokens: one item per token, keyed by the token's hash (the token itself is only in the mail),
// deleted when used and by TTL otherwise.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';

export interface PasswordReset {
  tokenHash: string;
  userId: string;
  /** The user's sessionVersion when the link was sent: a reset (or suspension) since then voids the link. */
  sessionVersion: number;
  createdAt: string;
  /** Epoch seconds (TTL); checked on read too because TTL deletes late. */
  expiresAt: number;
}

export const passwordResetKeys = {
  token: (tokenHash: string) => ({ pk: `PWRESET#${tokenHash}`, sk: 'PWRESET' }),
};

export function toPasswordResetItem(reset: PasswordReset): Record<string, unknown> {
  return { ...passwordResetKeys.token(reset.tokenHash), entity: 'passwordReset', ...reset };
}

export function fromPasswordResetItem(item: Record<string, unknown>): PasswordReset {
  const { pk, sk, entity, ...reset } = item;
  void pk, sk, entity;
  return reset as unknown as PasswordReset;
}

export async function getPasswordResetByHash(db: Db, tokenHash: string): Promise<PasswordReset | undefined> {
  const out = await db.doc.send(
    new GetCommand({ TableName: db.tableName, Key: passwordResetKeys.token(tokenHash), ConsistentRead: true }),
  );
  return out.Item ? fromPasswordResetItem(out.Item) : undefined;
}
