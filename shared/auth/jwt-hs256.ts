// Checks an HS256 JWT (RFC 7519, RFC 7515 compact form) with node:crypto: our own access tokens, which jose signs
// (shared/auth/tokens.ts). Verification runs in every function with a non-public route, and jose's verify path
// was 15 KiB of every such bundle and ~3% of its cold import (issue #15); this is the part of it our tokens need,
// and tests/unit/auth-jwt-hs256.test.ts checks it against jose's jwtVerify on the same tokens, tampered ones
// included. jose stays for signing and for Google's ID tokens (RS256 against a remote key set), where a
// library earns its place.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Hs256Expectations {
  /** `typ` header, compared as media types are (`at+jwt` matches `application/at+jwt`, any case). */
  typ: string;
  issuer: string;
  audience: string;
  /** Claims that must be present (besides `iss` and `aud`, which the options above require). */
  requiredClaims: readonly string[];
  /** Seconds since the epoch; defaults to now. */
  now?: number;
}

export type JwtClaims = Record<string, unknown>;

/** Why a token was refused: `expired` (otherwise good, past `exp`) or `invalid` (everything else). */
export class JwtRefused extends Error {
  constructor(
    readonly reason: 'expired' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'JwtRefused';
  }
}

const invalid = (why: string): never => {
  throw new JwtRefused('invalid', why);
};

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Strict base64url: its alphabet only, no padding, and the canonical encoding of what it decodes to. */
function base64url(segment: string, what: string): Buffer {
  const bytes = Buffer.from(segment, 'base64url');
  if (!BASE64URL.test(segment) || bytes.toString('base64url') !== segment) invalid(`${what} is not base64url`);
  return bytes;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function jsonObject(bytes: Buffer, what: string): JwtClaims {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    return invalid(`${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(`${what} is not a JSON object`);
  return value as JwtClaims;
}

const mediaType = (typ: string) => (typ.includes('/') ? typ.toLowerCase() : `application/${typ.toLowerCase()}`);

/** A NumericDate claim: absent, or a number. */
function numericDate(claims: JwtClaims, claim: string): number | undefined {
  const value = claims[claim];
  if (value !== undefined && typeof value !== 'number') invalid(`"${claim}" claim must be a number`);
  return value as number | undefined;
}

/**
 * The claims of `token` when it is a compact JWS signed with HMAC-SHA256 under `key`, its header says
 * `alg: HS256` and the expected `typ` (and no `crit`), and its claims carry the expected issuer and audience,
 * every required claim, and times that hold now. Otherwise throws JwtRefused. The signature is checked before
 * anything in the payload is read.
 */
export function verifyHs256Jwt(token: string, key: Uint8Array, expect: Hs256Expectations): JwtClaims {
  if (typeof token !== 'string') invalid('token is not a string');
  const parts = token.split('.');
  if (parts.length !== 3) invalid('token is not a compact JWS');
  const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];

  const header = jsonObject(base64url(encodedHeader, 'header'), 'header');
  if (header.alg !== 'HS256') invalid('algorithm is not HS256');
  // Extensions the signer says must be understood: we understand none (RFC 7515 section 4.1.11).
  if (header.crit !== undefined || header.b64 !== undefined) invalid('header names extensions this verifier does not implement');

  const signature = base64url(encodedSignature, 'signature');
  const expected = createHmac('sha256', key).update(`${encodedHeader}.${encodedPayload}`, 'ascii').digest();
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) invalid('signature verification failed');

  const claims = jsonObject(base64url(encodedPayload, 'payload'), 'claims');
  if (typeof header.typ !== 'string' || mediaType(header.typ) !== mediaType(expect.typ)) invalid('unexpected "typ" header');
  for (const claim of ['iss', 'aud', ...expect.requiredClaims]) {
    if (!Object.hasOwn(claims, claim)) invalid(`missing required "${claim}" claim`);
  }
  if (claims.iss !== expect.issuer) invalid('unexpected "iss" claim');
  const audience = claims.aud;
  if (!(audience === expect.audience || (Array.isArray(audience) && audience.includes(expect.audience)))) invalid('unexpected "aud" claim');

  const now = expect.now ?? Math.floor(Date.now() / 1000);
  numericDate(claims, 'iat');
  const notBefore = numericDate(claims, 'nbf');
  if (notBefore !== undefined && notBefore > now) invalid('"nbf" claim is in the future');
  const expiry = numericDate(claims, 'exp');
  if (expiry !== undefined && expiry <= now) throw new JwtRefused('expired', '"exp" claim timestamp check failed');
  return claims;
}
