// Delivering mail: SES v2 in AWS, or one JSON file per message in MAIL_OUTBOX_DIR on one machine (the local
// stack and the tests read those files). Only the mailer function (functions/mailer/) delivers; domains send
// mail by writing an outbox item (shared/mail/outbox.ts), never through this module.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { traceSdkClient } from '../observability/tracing.ts';
import { getConfig } from '../config.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** A message on its way out: `id` is its outbox item's id (traceable in SES tags and the local files). */
export interface OutgoingMail extends MailMessage {
  id?: string;
}

export interface Mailer {
  /** Resolves with the provider's message id when it gives one; rejects when the message was not accepted. */
  send(message: OutgoingMail): Promise<{ messageId?: string }>;
}

/** What the file mailer writes, one file per message. */
export interface OutboxMessage extends MailMessage {
  id?: string;
  from: string;
  sentAt: string;
}

/**
 * SES refused this very message (a malformed or rejected recipient, content it will not send): sending it
 * again cannot succeed. Everything else (throttling, a paused account, an unverified sender, the network) is
 * worth retrying.
 */
export function isPermanentMailFailure(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return name === 'MessageRejected' || name === 'BadRequestException';
}

export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESv2Client,
    private readonly from: string,
  ) {}

  async send(message: OutgoingMail): Promise<{ messageId?: string }> {
    const out = await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        ConfigurationSetName: process.env.SES_CONFIGURATION_SET || undefined, // suppression and bounce metrics (infra/constructs/mailer.ts)
        Destination: { ToAddresses: [message.to] },
        Content: {
          Simple: {
            Subject: { Data: message.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: message.text, Charset: 'UTF-8' },
              ...(message.html ? { Html: { Data: message.html, Charset: 'UTF-8' } } : {}),
            },
          },
        },
        ...(message.id ? { EmailTags: [{ Name: 'outbox-id', Value: message.id }] } : {}),
      }),
    );
    return { messageId: out.MessageId };
  }
}

export class FileMailer implements Mailer {
  constructor(
    private readonly directory: string,
    private readonly from: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async send(message: OutgoingMail): Promise<{ messageId?: string }> {
    const sentAt = this.clock().toISOString();
    const record: OutboxMessage = {
      ...(message.id ? { id: message.id } : {}),
      to: message.to,
      from: this.from,
      subject: message.subject,
      text: message.text,
      ...(message.html ? { html: message.html } : {}),
      sentAt,
    };
    await mkdir(this.directory, { recursive: true });
    // Time first so a directory listing reads in sending order; the random part keeps names unique.
    const name = `${sentAt.replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.json`;
    await writeFile(join(this.directory, name), JSON.stringify(record, null, 2));
    return {};
  }
}

let cached: Mailer | undefined;

/** The mailer for this process: the file mailer when MAIL_OUTBOX_DIR is set (not empty), SES v2 otherwise. */
export function getMailer(): Mailer {
  if (cached) return cached;
  const config = getConfig();
  cached = config.MAIL_OUTBOX_DIR
    ? new FileMailer(config.MAIL_OUTBOX_DIR, config.MAIL_FROM)
    : new SesMailer(traceSdkClient(new SESv2Client({}), 'SES'), config.MAIL_FROM);
  return cached;
}

/** For tests that switch the environment in one process. */
export function resetMailerForTests(): void {
  cached = undefined;
}
