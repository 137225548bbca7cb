// Access tokens: short-lived HS256 JWTs (RFC 9068 `at+jwt`), algorithm pinned on verify. They carry the session
// (refresh-token family) they were issued in as `sid`, so a WebSocket opened with one belongs to that session.
import { SignJWT } from 'jose';
import { JwtRefused, verifyHs256Jwt } from './jwt-hs256.ts';
import { readSecretString } from '../secrets/extension.ts';
import { getConfig } from '../config.ts';
import { authenticationRequired } from '../errors.ts';

export type Role = 'student' | 'admin';

export interface AuthUser {
  id: string;
  role: Role;
  /**
   * The session (refresh-token family) the token was issued in: claim `sid`. Absent from tokens signed outside
   * a sign-in (test actors, scripts); a WebSocket opened with one is not tied to a session.
   */
  sessionId?: string;
}

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const ALGORITHM = 'HS256';
const TOKEN_TYPE = 'at+jwt';

let keyPromise: Promise<Uint8Array> | undefined;

/** The signing secret: JWT_SECRET locally, Secrets Manager through the secrets extension (once per cold start) in AWS. */
function signingKey(): Promise<Uint8Array> {
  keyPromise ??= (async () => {
    const config = getConfig();
    if (config.JWT_SECRET) return new TextEncoder().encode(config.JWT_SECRET);
    if (!config.JWT_SECRET_ARN) throw new Error('Neither JWT_SECRET nor JWT_SECRET_ARN is set');
    const secret = await readSecretString(config.JWT_SECRET_ARN);
    if (secret.length < 32) throw new Error('JWT signing secret is too short');
    return new TextEncoder().encode(secret);
  })().catch((err) => {
    keyPromise = undefined; // let the next request retry instead of caching a failure
    throw err;
  });
  return keyPromise;
}

export async function signAccessToken(user: AuthUser, now: Date = new Date()): Promise<string> {
  const config = getConfig();
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ role: user.role, ...(user.sessionId ? { sid: user.sessionId } : {}) })
    .setProtectedHeader({ alg: ALGORITHM, typ: TOKEN_TYPE })
    .setSubject(user.id)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ACCESS_TOKEN_TTL_SECONDS)
    .sign(await signingKey());
}

/**
 * Verifies signature, algorithm, type, issuer, audience and expiry; any failure is 401. Checked with node:crypto
 * (shared/auth/jwt-hs256.ts), not jose: this runs in every function with a non-public route (issue #15).
 */
export async function verifyAccessToken(token: string): Promise<AuthUser> {
  const config = getConfig();
  let payload: Record<string, unknown>;
  try {
    payload = verifyHs256Jwt(token, await signingKey(), {
      typ: TOKEN_TYPE,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
  } catch (err) {
    if (err instanceof JwtRefused) throw authenticationRequired(err.reason === 'expired' ? 'Access token expired' : 'Invalid access token');
    throw err;
  }
  const role = payload.role;
  if (typeof payload.sub !== 'string' || (role !== 'student' && role !== 'admin')) {
    throw authenticationRequired('Invalid access token');
  }
  return { id: payload.sub, role, ...(typeof payload.sid === 'string' ? { sessionId: payload.sid } : {}) };
}

/** Reads `Authorization: Bearer <token>`; undefined when absent. */
export function bearerToken(headers: Record<string, string | undefined>): string | undefined {
  const value = headers.authorization ?? headers.Authorization;
  if (!value) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(value.trim());
  if (!match) throw authenticationRequired('Authorization header must be "Bearer <token>"');
  return match[1];
}
