import { authRoutes } from '#shared/contract/auth.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { getConfig } from '#shared/config.ts';
import { getDb } from '#shared/db/client.ts';
import { login, loginWithGoogle, logout, refresh, register } from './sign-in.ts';
import { requestPasswordReset, resetPassword } from './password-reset.ts';

export const handler = createHttpHandler(authRoutes, {
  register: ({ body, request }) => register(getDb(), body, request.now),

  login: ({ body, request }) => login(getDb(), body, request.now),

  google: ({ body, request }) => {
    const config = getConfig();
    return loginWithGoogle(getDb(), body, { clientId: config.GOOGLE_CLIENT_ID, jwksUrl: config.GOOGLE_JWKS_URL }, request.now);
  },

  logout: ({ body, request }) => logout(getDb(), body.refreshToken, request.now),

  refresh: ({ body, request }) => refresh(getDb(), body.refreshToken, request.now),

  forgotPassword: ({ body, request }) => requestPasswordReset({ db: getDb(), appUrl: getConfig().APP_URL }, body.email, request.now),

  resetPassword: ({ body, request }) => resetPassword(getDb(), body, request.now),
});
