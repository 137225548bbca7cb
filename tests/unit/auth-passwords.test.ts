import { describe, expect, it } from 'vitest';
import { burnVerificationTime, hashPassword, verifyPassword } from '../../shared/auth/passwords.ts';

describe('password hashing (scrypt)', () => {
  it('stores the OWASP parameters, a 16-byte salt and a 32-byte key in the hash', async () => {
    const hash = await hashPassword('correct horse 1');
    const [scheme, logN, r, p, salt, key] = hash.split('$');
    expect([scheme, logN, r, p]).toEqual(['scrypt', '17', '8', '1']);
    expect(Buffer.from(salt, 'base64url')).toHaveLength(16);
    expect(Buffer.from(key, 'base64url')).toHaveLength(32);
  });

  it('verifies the right password and rejects a wrong one', async () => {
    const hash = await hashPassword('correct horse 1');
    expect(await verifyPassword('correct horse 1', hash)).toBe(true);
    expect(await verifyPassword('correct horse 2', hash)).toBe(false);
  });

  it('salts per hash: one password never hashes the same twice', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    expect(a).not.toBe(b);
  });

  it('treats canonically equivalent Unicode spellings as the same password (NFKC)', async () => {
    const hash = await hashPassword('caf\u00e9 secret');
    expect(await verifyPassword('cafe\u0301 secret', hash)).toBe(true);
  });

  it('verifies hashes made with other (e.g. older, cheaper) parameters', async () => {
    const hash = await hashPassword('legacy pass 1', { logN: 14, r: 8, p: 1 });
    expect(hash.startsWith('scrypt$14$8$1$')).toBe(true);
    expect(await verifyPassword('legacy pass 1', hash)).toBe(true);
  });

  it.each([
    ['no hash', undefined],
    ['garbage', 'not-a-hash'],
    ['an unknown scheme', 'bcrypt$10$abc'],
    ['absurd parameters', 'scrypt$30$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ])('answers false for %s, after spending a full verification', async (_case, stored) => {
    const started = performance.now();
    expect(await verifyPassword('anything 1', stored)).toBe(false);
    // The dummy path runs a real N=2^17 scrypt: tens of milliseconds at least on any machine.
    expect(performance.now() - started).toBeGreaterThan(40);
  });

  it('spends about as long on the dummy path as on a real verification', async () => {
    const hash = await hashPassword('timing pass 1');
    const time = async (f: () => Promise<unknown>) => {
      const t = performance.now();
      await f();
      return performance.now() - t;
    };
    const real: number[] = [];
    const dummy: number[] = [];
    for (let i = 0; i < 3; i++) {
      real.push(await time(() => verifyPassword('wrong guess 1', hash)));
      dummy.push(await time(() => burnVerificationTime('wrong guess 1')));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[1];
    const ratio = median(dummy) / median(real);
    // Generous bounds because test machines are shared; a missing dummy path would be a ratio near 0.
    expect(ratio).toBeGreaterThan(0.2);
    expect(ratio).toBeLessThan(5);
  });
});
