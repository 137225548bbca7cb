// The mailer Lambda: the table's stream hands it new outbox items (and operator redrives), filtered by its
// event source mapping (shared/streams/subscriptions.ts). Each is sent once and marked; a send that fails
// for a reason that may pass is reported as the batch's failed item, so Lambda delivers it again (and after
// the last retry describes it in the on-failure queue, while the item waits unsent in the table).
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from '#shared/zod.ts';
import { getDb } from '#shared/db/client.ts';
import { OutboxMail } from '#shared/db/entities/outbox.ts';
import { getMailer } from '#shared/mail/mailer.ts';
import { createLogger } from '#shared/log.ts';
import { instrumented } from '#shared/observability/invocation.ts';
import { imageOf, processRecordsInOrder } from '#shared/streams/batch.ts';
import { deliverOutboxMail, type MailerDeps } from './deliver.ts';

const log = createLogger({ service: 'mailer' });

export async function handleOutboxRecords(deps: MailerDeps, event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  return processRecordsInOrder(event.Records, deps.log, async (record) => {
    const mailId = z.pick(OutboxMail, { id: true }).safeParse(imageOf(record.dynamodb?.NewImage)).data?.id;
    if (!mailId) {
      // Retrying cannot fix a record that is not an outbox item (the filter should not have let it through).
      deps.log.error('not an outbox item; skipped', { eventID: record.eventID, keys: record.dynamodb?.Keys });
      return;
    }
    const outcome = await deliverOutboxMail(deps, mailId);
    deps.log.info('outbox item handled', { mailId, outcome });
  });
}

export const handler = instrumented('mailer', log, async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> =>
  handleOutboxRecords({ db: getDb(), mailer: getMailer(), now: () => new Date(), log }, event),
);
