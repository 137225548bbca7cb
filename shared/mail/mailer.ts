// Outgoing mail: SES v2 in AWS, or one JSON file per message in MAIL_OUTBOX_DIR on one machine (the local
// stack and the tests read those files). Domains depend on the Mailer interface, never on SES.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { getConfig } from '../config.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** What the file mailer writes, one file per message. */
export interface OutboxMessage extends MailMessage {
  from: string;
  sentAt: string;
}

export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESv2Client,
    private readonly from: string,
  ) {}

  async send(message: MailMessage): Promise<void> {
    await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
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
      }),
    );
  }
}

export class FileMailer implements Mailer {
  constructor(
    private readonly directory: string,
    private readonly from: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async send(message: MailMessage): Promise<void> {
    const sentAt = this.clock().toISOString();
    const record: OutboxMessage = { to: message.to, from: this.from, subject: message.subject, text: message.text, ...(message.html ? { html: message.html } : {}), sentAt };
    await mkdir(this.directory, { recursive: true });
    // Time first so a directory listing reads in sending order; the random part keeps names unique.
    const name = `${sentAt.replace(/[:.]/g, '-')}-${randomBytes(4).toString('hex')}.json`;
    await writeFile(join(this.directory, name), JSON.stringify(record, null, 2));
  }
}

let cached: Mailer | undefined;

/** The mailer for this process: the file mailer when MAIL_OUTBOX_DIR is set, SES v2 otherwise. */
export function getMailer(): Mailer {
  if (cached) return cached;
  const config = getConfig();
  cached = config.MAIL_OUTBOX_DIR
    ? new FileMailer(config.MAIL_OUTBOX_DIR, config.MAIL_FROM)
    : new SesMailer(new SESv2Client({}), config.MAIL_FROM);
  return cached;
}

/** For tests that switch the environment in one process. */
export function resetMailerForTests(): void {
  cached = undefined;
}
