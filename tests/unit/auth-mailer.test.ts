import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { FileMailer, SesMailer, getMailer, resetMailerForTests } from '../../shared/mail/mailer.ts';
import { readOutbox } from '../../shared/mail/outbox-folder.ts';
import { resetConfigForTests } from '../../shared/config.ts';
import { passwordResetMail } from '../../functions/auth/mail.ts';

const FROM = 'GradHelper <no-reply@gradhelper.test>';

describe('SesMailer', () => {
  const ses = mockClient(SESv2Client);
  afterEach(() => ses.reset());

  it('sends one SES v2 SendEmail from MAIL_FROM with text and HTML bodies', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    const mailer = new SesMailer(new SESv2Client({ region: 'eu-west-1' }), FROM);

    await mailer.send({ to: 'ada@example.test', subject: 'Hello', text: 'Plain', html: '<p>Rich</p>' });

    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({
      FromEmailAddress: FROM,
      Destination: { ToAddresses: ['ada@example.test'] },
      Content: {
        Simple: {
          Subject: { Data: 'Hello', Charset: 'UTF-8' },
          Body: { Text: { Data: 'Plain', Charset: 'UTF-8' }, Html: { Data: '<p>Rich</p>', Charset: 'UTF-8' } },
        },
      },
    });
  });

  it('sends text only when there is no HTML, and lets SES errors through to the caller', async () => {
    ses.on(SendEmailCommand).rejectsOnce(Object.assign(new Error('Email address is not verified'), { name: 'MessageRejected' }));
    const mailer = new SesMailer(new SESv2Client({ region: 'eu-west-1' }), FROM);
    await expect(mailer.send({ to: 'a@example.test', subject: 'S', text: 'T' })).rejects.toThrow('not verified');
    expect(ses.commandCalls(SendEmailCommand)[0].args[0].input.Content?.Simple?.Body).toEqual({ Text: { Data: 'T', Charset: 'UTF-8' } });
  });

  it('sends through SES_CONFIGURATION_SET when the stack sets it (suppression of bounced and complaining addresses)', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-2' });
    const saved = process.env.SES_CONFIGURATION_SET;
    try {
      process.env.SES_CONFIGURATION_SET = 'gradhelper-mail';
      await new SesMailer(new SESv2Client({ region: 'eu-west-1' }), FROM).send({ to: 'ada@example.test', subject: 'S', text: 'T' });
      expect(ses.commandCalls(SendEmailCommand)[0].args[0].input.ConfigurationSetName).toBe('gradhelper-mail');
    } finally {
      if (saved === undefined) delete process.env.SES_CONFIGURATION_SET;
      else process.env.SES_CONFIGURATION_SET = saved;
    }
  });
});

describe('FileMailer', () => {
  it('writes one JSON file per message with recipient, subject, bodies and time', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'outbox-')), 'nested');
    const mailer = new FileMailer(dir, FROM, () => new Date('2025-01-15T10:00:00.000Z'));

    await mailer.send({ to: 'ada@example.test', subject: 'One', text: 'first' });
    await mailer.send({ to: 'bob@example.test', subject: 'Two', text: 'second', html: '<b>second</b>' });

    const files = readdirSync(dir);
    expect(files).toHaveLength(2);
    expect(JSON.parse(readFileSync(join(dir, files[0]), 'utf8'))).toMatchObject({ sentAt: '2025-01-15T10:00:00.000Z', from: FROM });
    const messages = await readOutbox(dir);
    expect(messages.map((m) => m.subject).sort()).toEqual(['One', 'Two']);
    expect(messages.find((m) => m.to === 'bob@example.test')).toMatchObject({ text: 'second', html: '<b>second</b>' });
  });

  it('reads a missing outbox as empty', async () => {
    expect(await readOutbox(join(tmpdir(), 'no-such-outbox-dir'))).toEqual([]);
  });
});

describe('getMailer', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    resetConfigForTests();
    resetMailerForTests();
  });

  function configure(env: Record<string, string | undefined>) {
    process.env = { ...saved, TABLE_NAME: 't', BUCKET_NAME: 'b', JWT_SECRET: 'x'.repeat(32), ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
    resetConfigForTests();
    resetMailerForTests();
  }

  it('uses the file mailer when MAIL_OUTBOX_DIR is set', () => {
    configure({ MAIL_OUTBOX_DIR: mkdtempSync(join(tmpdir(), 'outbox-')) });
    expect(getMailer()).toBeInstanceOf(FileMailer);
  });

  it('uses SES v2 when MAIL_OUTBOX_DIR is not set', () => {
    configure({ MAIL_OUTBOX_DIR: undefined, AWS_REGION: 'eu-west-1' });
    expect(getMailer()).toBeInstanceOf(SesMailer);
  });
});

describe('password reset mail', () => {
  it('carries the link in text and HTML, escapes the name, and says how long the link lives', () => {
    const link = 'https://app.example/reset-password?token=abc_DEF-123';
    const mail = passwordResetMail({ name: '<Ada & "Bob">', email: 'ada@example.test' }, link, 30);
    expect(mail.to).toBe('ada@example.test');
    expect(mail.text).toContain(link);
    expect(mail.text).toContain('30 minutes');
    expect(mail.html).toContain(`href="${link}"`);
    expect(mail.html).toContain('&lt;Ada &amp; &quot;Bob&quot;&gt;');
  });
});
