// Sending one outbox item: at most once per item where SES lets us tell (an item marked sent or refused is
// skipped), and never lost (a failure that may pass is thrown, so the stream delivers the item again).
import type { Db } from '#shared/db/client.ts';
import type { Logger } from '#shared/log.ts';
import { getOutboxMail, markOutboxMail, type OutboxMail } from '#shared/db/entities/outbox.ts';
import { currentMetrics } from '#shared/observability/metrics.ts';
import { DomainMetric } from '#shared/observability/metric-names.ts';
import { isPermanentMailFailure, type Mailer } from '#shared/mail/mailer.ts';

export interface MailerDeps {
  db: Db;
  mailer: Mailer;
  now: () => Date;
  log: Logger;
}

export type DeliveryOutcome =
  /** Handed to SES (or written to the local outbox folder) and marked sent. */
  | 'sent'
  /** A delivery before this one sent it (a redelivered record) or SES refused it for good earlier. */
  | 'done-before'
  /** SES refused this message for good (a bad address): marked failed, not retried. */
  | 'refused'
  /** The item is not in the table any more (deleted by hand, or TTL after a week): nothing to send. */
  | 'gone';

/**
 * Sends the outbox item `mailId` as the table holds it now. SES has no idempotency key, so "once" rests on
 * the sent mark: a crash between SES accepting the message and the mark sends it again on redelivery.
 * Throws when sending may succeed later (throttling, an outage), so the caller reports the record failed.
 */
export async function deliverOutboxMail(deps: MailerDeps, mailId: string): Promise<DeliveryOutcome> {
  const mail = await getOutboxMail(deps.db, mailId);
  if (!mail) return 'gone';
  if (mail.sentAt || mail.failedAt) return 'done-before';
  let providerMessageId: string | undefined;
  try {
    ({ messageId: providerMessageId } = await deps.mailer.send(messageOf(mail)));
  } catch (err) {
    currentMetrics().count(DomainMetric.mailsFailed); // each failed attempt, retried (thrown) or refused for good
    if (!isPermanentMailFailure(err)) throw err;
    const failure = `${(err as Error).name}: ${(err as Error).message}`;
    await markOutboxMail(deps.db, mail.id, { failedAt: deps.now().toISOString(), failure });
    deps.log.error('mail refused for good; not retried', { mailId: mail.id, failure });
    return 'refused';
  }
  await markOutboxMail(deps.db, mail.id, { sentAt: deps.now().toISOString(), ...(providerMessageId ? { providerMessageId } : {}) });
  currentMetrics().count(DomainMetric.mailsSent);
  return 'sent';
}

function messageOf(mail: OutboxMail) {
  return { id: mail.id, to: mail.to, subject: mail.subject, text: mail.text, ...(mail.html ? { html: mail.html } : {}) };
}
