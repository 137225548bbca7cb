// The mailer against SES failures, which no emulator produces (SES is mocked with aws-sdk-client-mock; the
// table, its stream and the mailer are the real local ones). A failed send is retried through the stream,
// never lost: an outage longer than the retries leaves the item unsent in the table, ready for a redrive.
import { afterEach, describe, expect, it } from 'vitest';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedStudent } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';
import { getOutboxMail, outboxKeys } from '../../shared/db/entities/outbox.ts';
import { getMailer } from '../../shared/mail/mailer.ts';
import { mailOutboxPut } from '../../shared/mail/outbox.ts';
import { createLogger } from '../../shared/log.ts';
import { handleOutboxRecords } from '../../functions/mailer/handler.ts';

// No outbox folder: the mailer sends through (the mocked) SES, as in AWS.
const stack = useTestStack({ MAIL_OUTBOX_DIR: '' });
const api = apiClient(() => stack.apiUrl);
const ses = mockClient(SESv2Client);
afterEach(() => ses.reset());

const sesError = (name: string, message = name) => Object.assign(new Error(message), { name, $fault: 'server' });
const sentTo = (email: string) => ses.commandCalls(SendEmailCommand).filter((c) => c.args[0].input.Destination?.ToAddresses?.[0] === email);

/** The outbox item a forgot-password request wrote for `email` (its id is tagged on the SES call). */
const outboxItemOf = async (email: string) => {
  const id = sentTo(email)[0].args[0].input.EmailTags?.find((t) => t.Name === 'outbox-id')?.Value;
  return getOutboxMail(getDb(), id!);
};

describe('SES failures', () => {
  it('throttling is retried through the stream until SES takes the mail, which is then sent once', async () => {
    ses.on(SendEmailCommand).rejectsOnce(sesError('TooManyRequestsException')).rejectsOnce(sesError('TooManyRequestsException')).resolves({ MessageId: 'ses-1' });
    const { user } = await seedStudent();

    expect((await api.post('/auth/forgot-password', { email: user.email })).status).toBe(200);
    await stack.settleStreams();

    expect(sentTo(user.email)).toHaveLength(3);
    expect(await outboxItemOf(user.email)).toMatchObject({ sentAt: expect.any(String), providerMessageId: 'ses-1' });
    expect(stack.streamFailures()).toEqual([]);
  });

  it('a failed send is reported as the batch item failure, and the item stays unsent for the next delivery', async () => {
    const { user } = await seedStudent();
    const db = getDb();
    ses.on(SendEmailCommand).rejects(sesError('SendingPausedException', 'sending is paused for this account'));
    // Written while SES fails: the stream's own delivery retries and gives up; the item is what matters here.
    const put = mailOutboxPut(db.tableName, { to: user.email, subject: 'Hold on', text: 'text' }, new Date());
    await db.doc.send(new TransactWriteCommand({ TransactItems: [put] }));
    await stack.settleStreams();
    const record = (seq: string) => ({ eventName: 'INSERT' as const, dynamodb: { Keys: marshall({ pk: put.Put.Item.pk, sk: put.Put.Item.sk }) as never, NewImage: marshall(put.Put.Item) as never, SequenceNumber: seq } });
    const deps = { db, mailer: getMailer(), now: () => new Date(), log: createLogger() };

    const failed = await handleOutboxRecords(deps, { Records: [record('41'), record('42')] });

    // The first record failed: Lambda delivers the batch again from it, so the second is not reported.
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: '41' }]);
    expect((await getOutboxMail(db, put.Put.Item.id as string))?.sentAt).toBeUndefined();

    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-2' });
    const retried = await handleOutboxRecords(deps, { Records: [record('41'), record('42')] });
    expect(retried.batchItemFailures).toEqual([]);
    expect(sentTo(user.email)).toHaveLength(1);
    expect((await getOutboxMail(db, put.Put.Item.id as string))?.sentAt).toEqual(expect.any(String));
  });

  it('an outage longer than the retries ends in the on-failure queue; the item waits unsent and a redrive sends it', async () => {
    ses.on(SendEmailCommand).rejects(sesError('ServiceUnavailable'));
    const failuresBefore = stack.streamFailures().length;
    const { user } = await seedStudent();

    expect((await api.post('/auth/forgot-password', { email: user.email })).status).toBe(200);
    await stack.settleStreams();

    const attempts = sentTo(user.email).length;
    expect(attempts).toBe(11); // the first delivery and 10 retries
    expect(stack.streamFailures().slice(failuresBefore)).toEqual([expect.objectContaining({ function: 'mailer', batchSize: 1, attempts: 11 })]);
    const waiting = await outboxItemOf(user.email);
    expect(waiting).toMatchObject({ to: user.email });
    expect(waiting?.sentAt).toBeUndefined();

    // The operator's redrive (docs/deploy.md), once SES is back.
    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-3' });
    const db = getDb();
    await db.doc.send(
      new UpdateCommand({ TableName: db.tableName, Key: outboxKeys.mail(waiting!.id), UpdateExpression: 'SET redriveAt = :now', ExpressionAttributeValues: { ':now': new Date().toISOString() } }),
    );
    await stack.settleStreams();

    expect(sentTo(user.email)).toHaveLength(1);
    const sent = await getOutboxMail(db, waiting!.id);
    expect(sent).toMatchObject({ sentAt: expect.any(String), providerMessageId: 'ses-3' });
    expect(sent?.redriveAt).toBeUndefined();
  });

  it('a message SES refuses for good is marked failed and not retried', async () => {
    ses.on(SendEmailCommand).rejects(sesError('MessageRejected', 'Email address is not verified.'));
    const failuresBefore = stack.streamFailures().length;
    const { user } = await seedStudent();

    expect((await api.post('/auth/forgot-password', { email: user.email })).status).toBe(200);
    await stack.settleStreams();

    expect(sentTo(user.email)).toHaveLength(1);
    expect(await outboxItemOf(user.email)).toMatchObject({ failedAt: expect.any(String), failure: 'MessageRejected: Email address is not verified.' });
    expect(stack.streamFailures()).toHaveLength(failuresBefore);
  });
});
