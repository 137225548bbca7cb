// Google Sign-In: verifies a Google ID token (signature against Google's JWKS, issuer, audience, expiry,
// verified e-mail). The JWKS URL is configuration, so tests and the local stack can serve their own keys.
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import { AppError, authenticationRequired } from '../errors.ts';

export interface GoogleIdentity {
  /** Google's stable account id (`sub`). */
  sub: string;
  email: string;
  name?: string;
  picture?: string;
}

export interface GoogleVerifierConfig {
  clientId: string;
  jwksUrl: string;
}

/** https://developers.google.com/identity/gsi/web/guides/verify-google-id-token */
const GOOGLE_ISSUERS = ['accounts.google.com', 'https://accounts.google.com'];

// One key set per URL per cold start: jose caches the keys and refetches on an unknown `kid` (rate-limited).
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function keySetFor(url: string) {
  let set = keySets.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000 });
    keySets.set(url, set);
  }
  return set;
}

/** Throws 401 for any token Google did not issue to this client for a verified e-mail. */
export async function verifyGoogleIdToken(idToken: string, config: GoogleVerifierConfig): Promise<GoogleIdentity> {
  if (!config.clientId) throw new AppError('SERVICE_UNAVAILABLE', 'Google sign-in is not enabled on this server');
  let payload;
  try {
    ({ payload } = await jwtVerify(idToken, keySetFor(config.jwksUrl), {
      algorithms: ['RS256'],
      issuer: GOOGLE_ISSUERS,
      audience: config.clientId,
      requiredClaims: ['sub', 'exp', 'iat'],
      clockTolerance: 30,
    }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw authenticationRequired('Google token expired');
    if (err instanceof joseErrors.JWKSTimeout) throw new AppError('INTERNAL_SERVER_ERROR', 'Google keys could not be fetched');
    if (err instanceof joseErrors.JOSEError) throw authenticationRequired('Invalid Google token');
    throw err;
  }
  const email = typeof payload.email === 'string' ? payload.email : undefined;
  if (!email) throw authenticationRequired('Google token carries no e-mail address');
  // Google sends a boolean; older tokens sent the string "true".
  if (payload.email_verified !== true && payload.email_verified !== 'true') {
    throw authenticationRequired('The Google account e-mail address is not verified');
  }
  return {
    sub: payload.sub!,
    email,
    name: typeof payload.name === 'string' ? payload.name : undefined,
    picture: typeof payload.picture === 'string' ? payload.picture : undefined,
  };
}
