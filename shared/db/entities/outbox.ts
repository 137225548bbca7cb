// Outgoing mail waiting in the table: one item per message, written in the same transaction as the change
// that caused it (shared/mail/outbox.ts), sent by the mailer function when the table's stream delivers the
// item's INSERT (functions/mailer/), then marked sent. TTL removes it after a week, sent or not.
import * as z from '../../zod.ts';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';
import { isConditionFailed } from '../errors.ts';

/** Partition key prefix of outbox items; the mailer's stream filter selects on it. */
export const OUTBOX_PK_PREFIX = 'OUTBOX#';
export const OUTBOX_SK = 'MAIL';

/**
 * How long an outbox item stays (epoch-seconds TTL). Longer than anything can still deliver its INSERT (a
 * stream keeps records 24 hours; the mailer gives up on a record after MAX_RECORD_AGE), so the "already
 * sent" mark outlives every redelivery; and long enough to look into a failure afterwards.
 */
export const OUTBOX_TTL_SECONDS = 7 * 24 * 60 * 60;

export const OutboxMail = z.object({
  id: z.string().check(z.minLength(1)),
  to: z.string().check(z.minLength(3)),
  subject: z.string(),
  text: z.string(),
  html: z.optional(z.string()),
  createdAt: z.string(),
  expiresAt: z.number().check(z.int()),
  /** Set once the message was handed to SES (or written to the local outbox folder). */
  sentAt: z.optional(z.string()),
  /** SES's id of the sent message. */
  providerMessageId: z.optional(z.string()),
  /** Set when SES refused the message for good (a bad address): it is not retried. */
  failedAt: z.optional(z.string()),
  failure: z.optional(z.string()),
  /** Set by an operator to send an item again (docs/deploy.md); removed by the mark that follows. */
  redriveAt: z.optional(z.string()),
});
export type OutboxMail = z.infer<typeof OutboxMail>;

export const outboxKeys = {
  mail: (mailId: string) => ({ pk: `${OUTBOX_PK_PREFIX}${mailId}`, sk: OUTBOX_SK }),
};

export function toOutboxItem(mail: OutboxMail): Record<string, unknown> {
  return { ...outboxKeys.mail(mail.id), entity: 'outbox', ...mail };
}

/** The mail of an outbox item (from the table or a stream image); throws when the item is not one. */
export function fromOutboxItem(item: Record<string, unknown>): OutboxMail {
  const { pk, sk, entity, ...mail } = item;
  void pk, sk, entity;
  return OutboxMail.parse(mail);
}

/** The current state of an outbox item (strongly consistent: it decides whether to send). */
export async function getOutboxMail(db: Db, mailId: string): Promise<OutboxMail | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: outboxKeys.mail(mailId), ConsistentRead: true }));
  return out.Item ? fromOutboxItem(out.Item) : undefined;
}

/**
 * Marks the item sent (or failed for good) and clears a redrive request. Conditional on the item still being
 * there and not marked yet; false when it was not (deleted meanwhile, or another delivery marked it first).
 */
export async function markOutboxMail(
  db: Db,
  mailId: string,
  outcome: { sentAt: string; providerMessageId?: string } | { failedAt: string; failure: string },
): Promise<boolean> {
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [key, value] of Object.entries(outcome)) {
    if (value === undefined) continue;
    sets.push(`${key} = :${key}`);
    values[`:${key}`] = value;
  }
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: outboxKeys.mail(mailId),
        UpdateExpression: `SET ${sets.join(', ')} REMOVE redriveAt`,
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(sentAt) AND attribute_not_exists(failedAt)',
        ExpressionAttributeValues: values,
      }),
    );
    return true;
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
}
