// Mail leaves through the table: a request writes an outbox item in the same transaction as the change the
// mail is about, and the mailer function, fed by the table's stream, sends it (here: into the local outbox
// folder) and marks it sent.
import { describe, expect, it } from 'vitest';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedStudent } from '../support/users.ts';
import { mailsTo } from '../support/mail.ts';
import { getDb } from '../../shared/db/client.ts';
import { mailOutboxPut } from '../../shared/mail/outbox.ts';
import { getOutboxMail, OUTBOX_TTL_SECONDS } from '../../shared/db/entities/outbox.ts';
import { userKeys } from '../../shared/db/entities/user.ts';
import { getMailer } from '../../shared/mail/mailer.ts';
import { createLogger } from '../../shared/log.ts';
import { handleOutboxRecords } from '../../functions/mailer/handler.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

const message = (to: string, subject = 'Hello') => ({ to, subject, text: `${subject}, in plain text` });

describe('mail through the outbox', () => {
  it('reaches the outbox folder after the stream delivers the item written with its cause, and is marked sent', async () => {
    const { user } = await seedStudent();

    const res = await api.post('/auth/forgot-password', { email: user.email });

    expect(res.status).toBe(200);
    const [mail] = await mailsTo(stack, user.email);
    expect(mail).toMatchObject({ id: expect.stringMatching(/^mail_/), subject: 'Reset your GradHelper password' });
    const item = await getOutboxMail(getDb(), mail.id!);
    expect(item?.sentAt).toEqual(expect.any(String));
    // Kept a week (TTL), long past every redelivery of its stream record.
    expect(item!.expiresAt - Math.floor(Date.parse(item!.createdAt) / 1000)).toBe(OUTBOX_TTL_SECONDS);
  });

  it('sends nothing for a transaction that is rolled back', async () => {
    const { user } = await seedStudent();
    const db = getDb();
    const now = new Date();

    const rolledBack = db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          mailOutboxPut(db.tableName, message(user.email, 'Never sent'), now),
          // The change the mail is about fails its condition: the whole transaction is cancelled.
          { ConditionCheck: { TableName: db.tableName, Key: userKeys.user(user.id), ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
    await expect(rolledBack).rejects.toMatchObject({ name: 'TransactionCanceledException' });
    await db.doc.send(new TransactWriteCommand({ TransactItems: [mailOutboxPut(db.tableName, message(user.email, 'Sent'), now)] }));

    expect((await mailsTo(stack, user.email)).map((m) => m.subject)).toEqual(['Sent']);
  });

  it('sends an item once even when its stream record is delivered again', async () => {
    const { user } = await seedStudent();
    const db = getDb();
    const put = mailOutboxPut(db.tableName, message(user.email, 'Once'), new Date());
    await db.doc.send(new TransactWriteCommand({ TransactItems: [put] }));
    expect(await mailsTo(stack, user.email)).toHaveLength(1);

    // What Lambda hands over again after a timeout or a later record's failure in the same batch.
    const redelivery: DynamoDBStreamEvent = {
      Records: [{ eventName: 'INSERT', dynamodb: { Keys: marshall({ pk: put.Put.Item.pk, sk: put.Put.Item.sk }) as never, NewImage: marshall(put.Put.Item) as never, SequenceNumber: '1' } }],
    };
    const result = await handleOutboxRecords({ db, mailer: getMailer(), now: () => new Date(), log: createLogger() }, redelivery);

    expect(result.batchItemFailures).toEqual([]);
    expect(await mailsTo(stack, user.email)).toHaveLength(1);
  });
});
