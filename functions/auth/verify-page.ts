// The page a browser gets from GET /auth/verify-email: the link in the sign-up mail opens the API directly,
// and the web app has no screen for it. Plain HTML without scripts or styles (the API's CSP allows none).
import { HttpReply } from '#shared/http/reply.ts';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** True when the caller is a browser following a link (it asks for HTML), not an API client. */
export function wantsHtml(headers: Record<string, string | undefined>): boolean {
  return /\btext\/html\b/i.test(headers.accept ?? headers.Accept ?? '');
}

export type VerificationOutcome = 'verified' | 'already_verified' | 'invalid';

const PAGES: Record<VerificationOutcome, { status: number; title: string; body: string }> = {
  verified: { status: 200, title: 'Your e-mail address is verified', body: 'Thank you. You can close this page.' },
  already_verified: { status: 200, title: 'Your e-mail address is verified', body: 'This link had already been used; there is nothing more to do.' },
  invalid: {
    status: 400,
    title: 'This link is invalid or has expired',
    body: 'Verification links work once, for a limited time. Your account works without it; resetting your password with "Forgot password" on the sign-in page confirms your address too.',
  },
};

export function verificationPage(outcome: VerificationOutcome, appUrl: string): HttpReply {
  const page = PAGES[outcome];
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(page.title)} · GradHelper</title></head>
<body>
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.body)}</p>
<p><a href="${escapeHtml(appUrl)}">Continue to GradHelper</a></p>
</body>
</html>
`;
  return new HttpReply(page.status, html, { 'Content-Type': 'text/html; charset=utf-8' });
}
