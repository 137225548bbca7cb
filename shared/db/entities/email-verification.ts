// E-mail verification tokens: one item per token, keyed by the token's hash (the token itself is only in the
// mail). Marked used rather than deleted, so that opening the link again (or a mail scanner having opened it
// first) says "already verified" instead of "invalid"; TTL removes the item after its expiry.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';

export interface EmailVerification {
  tokenHash: string;
  userId: string;
  /** The address the link was mailed to: only that address is marked verified. */
  email: string;
  createdAt: string;
  /** Epoch seconds (TTL); checked on read too because TTL deletes late (DynamoDB Local never). */
  expiresAt: number;
  /** Set when the link verified the address; it does nothing a second time. */
  usedAt?: string;
}

export const emailVerificationKeys = {
  token: (tokenHash: string) => ({ pk: `EMAILVERIFY#${tokenHash}`, sk: 'EMAILVERIFY' }),
};

export function toEmailVerificationItem(v: EmailVerification): Record<string, unknown> {
  return { ...emailVerificationKeys.token(v.tokenHash), entity: 'emailVerification', ...v };
}

export function fromEmailVerificationItem(item: Record<string, unknown>): EmailVerification {
  const { pk, sk, entity, ...v } = item;
  void pk, sk, entity;
  return v as unknown as EmailVerification;
}

export async function getEmailVerificationByHash(db: Db, tokenHash: string): Promise<EmailVerification | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: emailVerificationKeys.token(tokenHash), ConsistentRead: true }));
  return out.Item ? fromEmailVerificationItem(out.Item) : undefined;
}
