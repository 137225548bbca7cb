// Prefixed, time-ordered ids (`user_01J...`): sortable by creation and self-describing in logs.
import { monotonicFactory } from 'ulid';
import { randomBytes, createHash } from 'node:crypto';

const nextUlid = monotonicFactory();

export type IdPrefix =
  | 'user' | 'task' | 'deliv' | 'file' | 'chat' | 'msg' | 'notif' | 'ann'
  | 'bill' | 'pay' | 'meet' | 'preq' | 'req' | 'fam' | 'mail' | 'rpt';

export function newId(prefix: IdPrefix, at: Date = new Date()): string {
  return `${prefix}_${nextUlid(at.getTime())}`;
}

/** 256-bit random secret, URL-safe (refresh and reset tokens). */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Tokens are stored only as this hash, so a table leak yields nothing usable. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

const REFERRAL_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O/1/I: codes get read aloud and typed

export function newReferralCode(): string {
  const bytes = randomBytes(8);
  let code = 'REF';
  for (const b of bytes) code += REFERRAL_ALPHABET[b % REFERRAL_ALPHABET.length];
  return code;
}
