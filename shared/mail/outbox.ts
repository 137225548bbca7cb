// The one way to send mail: put an outbox item in the same write as the change the mail is about.
//
//   await db.doc.send(new TransactWriteCommand({ TransactItems: [
//     { Put: { ...yourItem } },
//     mailOutboxPut(db.tableName, passwordResetMail(user, link), now),
//   ] }));
//
// A mail for a change that is rolled back is never sent (its item is never written), and one whose sending
// fails is not lost: the mailer function, fed by the table's stream, sends it (SES in AWS, the local outbox
// folder with `npm start`), retries it, and marks it sent (functions/mailer/). Where the cause is a single
// write, make that write a TransactWrite of the two items, or Put the item on its own when there is no cause
// to roll back (`new PutCommand(mailOutboxPut(...).Put)`).
import { newId } from '../ids.ts';
import { OUTBOX_TTL_SECONDS, toOutboxItem, type OutboxMail } from '../db/entities/outbox.ts';
import type { MailMessage } from './mailer.ts';

export type { MailMessage } from './mailer.ts';

/** A TransactWriteItems `Put` of the outbox item for `message` (new id; `attribute_not_exists`). */
export function mailOutboxPut(tableName: string, message: MailMessage, now: Date) {
  const mail: OutboxMail = {
    id: newId('mail', now),
    to: message.to,
    subject: message.subject,
    text: message.text,
    ...(message.html ? { html: message.html } : {}),
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + OUTBOX_TTL_SECONDS,
  };
  return {
    Put: {
      TableName: tableName,
      Item: toOutboxItem(mail),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
