import { authRoutes } from '#shared/contract/auth.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { getConfig } from '#shared/config.ts';
import { getDb } from '#shared/db/client.ts';
import { closeUserConnections } from '#shared/realtime/push.ts';
import type { Logger } from '#shared/log.ts';
import { login, loginWithGoogle, logout, refresh, register, type CloseSockets } from './sign-in.ts';
import { requestPasswordReset, resetPassword } from './password-reset.ts';
import { verifyEmail } from './email-verification.ts';
import { verificationPage, wantsHtml, type VerificationOutcome } from './verify-page.ts';
import { AppError } from '#shared/errors.ts';
import { DomainMetric } from '#shared/observability/metric-names.ts';

/** Sockets of ended sessions are closed through the realtime push module; a failure is logged, never the request's. */
const socketCloser =
  (log: Logger): CloseSockets =>
  (userId, options) =>
    closeUserConnections(userId, options).catch((err: unknown) => log.warn('could not close the connections of an ended session', { userId, ...options, error: err }));

export const handler = createHttpHandler(authRoutes, {
  register: async ({ body, request, log, metrics }) => {
    const account = await register({ db: getDb(), apiUrl: getConfig().API_URL, log }, body, request.now);
    metrics.count(DomainMetric.signUps);
    return account;
  },

  login: ({ body, request, metrics }) => {
    const config = getConfig();
    return login(getDb(), body, { maxFailures: config.LOGIN_MAX_FAILURES_PER_ACCOUNT, windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS }, request.now).catch((err: unknown) => {
      // Refused sign-ins (wrong password, locked, suspended); an outage is an unexpected error, counted as one.
      if (err instanceof AppError) metrics.count(DomainMetric.signInFailures);
      throw err;
    });
  },

  google: ({ body, request, log }) => {
    const config = getConfig();
    return loginWithGoogle(getDb(), body, { clientId: config.GOOGLE_CLIENT_ID, jwksUrl: config.GOOGLE_JWKS_URL }, request.now, socketCloser(log));
  },

  logout: ({ body, request, log }) => logout(getDb(), body.refreshToken, request.now, socketCloser(log)),

  refresh: ({ body, request, log }) => refresh(getDb(), body.refreshToken, request.now, socketCloser(log)),

  forgotPassword: ({ body, request, log }) =>
    requestPasswordReset({ db: getDb(), appUrl: getConfig().APP_URL, cooldownSeconds: getConfig().FORGOT_PASSWORD_COOLDOWN_SECONDS, log }, body.email, request.now),

  resetPassword: ({ body, request, log }) => resetPassword(getDb(), body, request.now, socketCloser(log)),

  verifyEmail: async ({ query, request }) => {
    const html = wantsHtml(request.headers);
    let outcome: VerificationOutcome;
    try {
      outcome = (await verifyEmail(getDb(), query.token, request.now)).firstTime ? 'verified' : 'already_verified';
    } catch (err) {
      // A browser following the link gets a page for a dead link too; API clients get the error envelope.
      if (html && err instanceof AppError && err.code === 'VALIDATION_ERROR') return verificationPage('invalid', getConfig().APP_URL);
      throw err;
    }
    if (html) return verificationPage(outcome, getConfig().APP_URL);
    return {
      message: outcome === 'verified' ? 'Your e-mail address is verified.' : 'Your e-mail address was already verified.',
      emailVerified: true as const,
    };
  },
});
