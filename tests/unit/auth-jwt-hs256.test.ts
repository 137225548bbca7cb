// Access tokens are verified with node:crypto (shared/auth/jwt-hs256.ts) and signed with jose: every token jose
// would refuse is refused, tampered tokens included, and what is accepted reads the same claims jose reads.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { createHmac } from 'node:crypto';
import { JwtRefused, verifyHs256Jwt, type Hs256Expectations } from '../../shared/auth/jwt-hs256.ts';

const key = new TextEncoder().encode('a-signing-secret-that-is-at-least-32-bytes-long');
const otherKey = new TextEncoder().encode('another-signing-secret-of-at-least-32-bytes!!');
const now = 1_900_000_000;
const expectations: Hs256Expectations = { typ: 'at+jwt', issuer: 'gradhelper', audience: 'gradhelper-api', requiredClaims: ['sub', 'exp', 'iat'], now };

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
/** A token from raw parts, signed (correctly, unless told otherwise) over exactly the encoded header and payload. */
function handMade(header: unknown, payload: unknown, signWith: Uint8Array = key): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', signWith).update(input).digest('base64url')}`;
}

const goodHeader = { alg: 'HS256', typ: 'at+jwt' };
const goodClaims = { sub: 'user_1', role: 'student', sid: 'fam_1', iss: 'gradhelper', aud: 'gradhelper-api', iat: now - 60, exp: now + 840 };

type Outcome = { accepted: Record<string, unknown> } | { refused: 'expired' | 'invalid' };

function ours(token: string): Outcome {
  try {
    return { accepted: verifyHs256Jwt(token, key, expectations) };
  } catch (err) {
    if (err instanceof JwtRefused) return { refused: err.reason };
    throw err;
  }
}

async function jose(token: string): Promise<Outcome> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      typ: expectations.typ,
      issuer: expectations.issuer,
      audience: expectations.audience,
      requiredClaims: [...expectations.requiredClaims],
      currentDate: new Date(now * 1000),
    });
    return { accepted: payload as Record<string, unknown> };
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) return { refused: 'expired' };
    if (err instanceof joseErrors.JOSEError || err instanceof TypeError) return { refused: 'invalid' };
    throw err;
  }
}

describe('an access token', () => {
  it('signed by jose is accepted with its claims', async () => {
    const token = await new SignJWT({ role: 'admin', sid: 'fam_2' })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
      .setSubject('user_2')
      .setIssuer('gradhelper')
      .setAudience('gradhelper-api')
      .setIssuedAt(now - 10)
      .setExpirationTime(now + 890)
      .sign(key);
    expect(ours(token)).toEqual(await jose(token));
    expect(ours(token)).toEqual({ accepted: { role: 'admin', sid: 'fam_2', sub: 'user_2', iss: 'gradhelper', aud: 'gradhelper-api', iat: now - 10, exp: now + 890 } });
  });

  it.each<[string, string, 'expired' | 'invalid']>([
    ['past its expiry', handMade(goodHeader, { ...goodClaims, exp: now - 1 }), 'expired'],
    ['expiring this very second', handMade(goodHeader, { ...goodClaims, exp: now }), 'expired'],
    ['signed with another key', handMade(goodHeader, goodClaims, otherKey), 'invalid'],
    ['with alg none and no signature', `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(goodClaims)}.`, 'invalid'],
    ['with alg HS512', handMade({ alg: 'HS512', typ: 'at+jwt' }, goodClaims), 'invalid'],
    ['with another typ (an ID token)', handMade({ alg: 'HS256', typ: 'JWT' }, goodClaims), 'invalid'],
    ['without typ', handMade({ alg: 'HS256' }, goodClaims), 'invalid'],
    ['from another issuer', handMade(goodHeader, { ...goodClaims, iss: 'someone-else' }), 'invalid'],
    ['for another audience', handMade(goodHeader, { ...goodClaims, aud: ['other-api'] }), 'invalid'],
    ['without exp', handMade(goodHeader, { ...goodClaims, exp: undefined }), 'invalid'],
    ['without iat', handMade(goodHeader, { ...goodClaims, iat: undefined }), 'invalid'],
    ['without sub', handMade(goodHeader, { ...goodClaims, sub: undefined }), 'invalid'],
    ['with a string exp', handMade(goodHeader, { ...goodClaims, exp: String(now + 100) }), 'invalid'],
    ['not valid before a future nbf', handMade(goodHeader, { ...goodClaims, nbf: now + 60 }), 'invalid'],
    ['expired and from another issuer (the issuer is checked first)', handMade(goodHeader, { ...goodClaims, iss: 'x', exp: now - 5 }), 'invalid'],
    ['with a critical extension', handMade({ ...goodHeader, crit: ['exp'] }, goodClaims), 'invalid'],
    ['whose claims are an array', handMade(goodHeader, [goodClaims]), 'invalid'],
    ['whose claims are not JSON', handMade(goodHeader, 'not json'), 'invalid'],
    ['of four parts', `${handMade(goodHeader, goodClaims)}.x`, 'invalid'],
    ['of two parts', `${b64(goodHeader)}.${b64(goodClaims)}`, 'invalid'],
    ['that is empty', '', 'invalid'],
  ])('%s is refused (%#), as jose refuses it', async (_, token, reason) => {
    expect(ours(token)).toEqual({ refused: reason });
    expect(await jose(token)).toEqual({ refused: reason });
  });

  it('accepts an audience list that includes ours, and a media-type typ, as jose does', async () => {
    for (const token of [handMade(goodHeader, { ...goodClaims, aud: ['x', 'gradhelper-api'] }), handMade({ alg: 'HS256', typ: 'application/AT+JWT' }, goodClaims)]) {
      expect(ours(token)).toEqual(await jose(token));
      expect('accepted' in ours(token)).toBe(true);
    }
  });

  it('tampered anywhere (a character changed, added or dropped) is never accepted unless jose accepts it too, with the same claims', async () => {
    const token = handMade(goodHeader, goodClaims);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: token.length - 1 }),
        fc.constantFrom(...alphabet),
        fc.constantFrom('replace', 'insert', 'delete'),
        async (at, char, how) => {
          const tampered = how === 'replace' ? token.slice(0, at) + char + token.slice(at + 1) : how === 'insert' ? token.slice(0, at) + char + token.slice(at) : token.slice(0, at) + token.slice(at + 1);
          const mine = ours(tampered);
          if ('accepted' in mine) expect(await jose(tampered)).toEqual(mine);
          if (tampered !== token) expect(mine).not.toHaveProperty('accepted');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
