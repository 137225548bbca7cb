// Mail as a user receives it: what reached the local outbox folder. Mail leaves through the table's stream
// (an outbox item, sent by the mailer function), so the stream is drained first: a test sees every mail its
// requests caused, and can rely on a mail that is absent never arriving.
import { outboxFor } from '../../shared/mail/outbox-folder.ts';
import type { OutboxMessage } from '../../shared/mail/mailer.ts';
import type { TestStack } from './stack.ts';

/** Every mail sent to `email` so far (case-insensitive), oldest first. */
export async function mailsTo(stack: TestStack, email: string): Promise<OutboxMessage[]> {
  await stack.settleStreams();
  return outboxFor(stack.outboxDir, email);
}
