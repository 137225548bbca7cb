// The mails the auth domain sends. Plain text always, HTML as a convenience; links point at the frontend.
import type { MailMessage } from '#shared/mail/mailer.ts';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function passwordResetMail(to: { name: string; email: string }, link: string, validMinutes: number): MailMessage {
  const text = [
    `Hello ${to.name},`,
    '',
    'Someone (hopefully you) asked to reset the password of your GradHelper account.',
    `Open this link within ${validMinutes} minutes to choose a new password:`,
    '',
    link,
    '',
    'The link works once. Resetting your password signs you out on every device.',
    'If you did not ask for this, ignore this mail: your password stays as it is.',
  ].join('\n');
  const html = `<p>Hello ${escapeHtml(to.name)},</p>
<p>Someone (hopefully you) asked to reset the password of your GradHelper account.
Open this link within ${validMinutes} minutes to choose a new password:</p>
<p><a href="${escapeHtml(link)}">Reset my password</a></p>
<p>The link works once. Resetting your password signs you out on every device.<br>
If you did not ask for this, ignore this mail: your password stays as it is.</p>`;
  return { to: to.email, subject: 'Reset your GradHelper password', text, html };
}

/** The link sent at sign-up; it opens an API page (`GET /auth/verify-email`), since the web app has no screen for it. */
export function emailVerificationMail(to: { name: string; email: string }, link: string, validHours: number): MailMessage {
  const text = [
    `Hello ${to.name},`,
    '',
    'Welcome to GradHelper. Please confirm that this is your e-mail address by opening this link',
    `within ${validHours} hours:`,
    '',
    link,
    '',
    'If you did not create a GradHelper account, ignore this mail: nothing is confirmed unless the link is opened.',
  ].join('\n');
  const html = `<p>Hello ${escapeHtml(to.name)},</p>
<p>Welcome to GradHelper. Please confirm that this is your e-mail address by opening this link within ${validHours} hours:</p>
<p><a href="${escapeHtml(link)}">Confirm my e-mail address</a></p>
<p>If you did not create a GradHelper account, ignore this mail: nothing is confirmed unless the link is opened.</p>`;
  return { to: to.email, subject: 'Confirm your GradHelper e-mail address', text, html };
}
