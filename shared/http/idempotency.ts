// The `Idempotency-Key` header on the routes that declare `idempotent` in the contract: the same key with the
// same request within 24 h answers as the first request did, without a second write; the same key with another
// request, or while the first is still running, is 409. The pipeline calls `withIdempotency` around the route's
// implementation. Records and their lifecycle: shared/db/entities/idempotency.ts, docs/data-model.md.
import { createHash, randomUUID } from 'node:crypto';
import type { Db } from '../db/client.ts';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  IDEMPOTENCY_LEASE_MS,
  releaseIdempotencyKey,
  type IdempotencyRecord,
  type IdempotencyScope,
} from '../db/entities/idempotency.ts';
import { AppError, conflict, validationError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { UploadedFile } from './multipart.ts';
import { HttpReply, reply } from './reply.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** Set on an answer rebuilt for a retry, so clients (and tests) can tell it from the first one. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

const MAX_KEY_LENGTH = 255;
/** Visible ASCII except `"` and `\` (a UUID, a ULID, base64 all fit); the structured-field quotes are optional. */
const KEY_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The request's Idempotency-Key, or undefined when it sent none. Clients may send the bare key or the IETF
 * draft's structured-field string (`"key"`). A key that is empty, too long or has other characters is 400.
 */
export function idempotencyKeyOf(headers: Record<string, string | undefined>): string | undefined {
  const raw = headers[IDEMPOTENCY_HEADER.toLowerCase()];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  const key = /^".*"$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !KEY_PATTERN.test(key)) {
    throw validationError(
      IDEMPOTENCY_HEADER,
      `must be 1 to ${MAX_KEY_LENGTH} visible ASCII characters without spaces, quotes or backslashes (a UUID is a good key)`,
      `Invalid header "${IDEMPOTENCY_HEADER}": must be 1 to ${MAX_KEY_LENGTH} visible ASCII characters without spaces, quotes or backslashes`,
    );
  }
  return key;
}

/** JSON with object keys sorted at every depth, so `{a,b}` and `{b,a}` hash alike. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What identifies "the same request": the validated path parameters, query and body (after the contract's
 * parsing, so key order, whitespace the schema trims and defaults do not matter), and for multipart each file's
 * field, name, declared type, size and SHA-256 of its bytes. A SHA-256 of that, hex.
 */
export function requestFingerprint(input: { params: unknown; query: unknown; body: unknown; files: readonly UploadedFile[] }): string {
  const files = input.files.map((f) => ({
    field: f.field,
    filename: f.filename,
    mimeType: f.mimeType,
    size: f.size,
    sha256: createHash('sha256').update(f.content).digest('hex'),
  }));
  return createHash('sha256').update(canonicalJson({ params: input.params, query: input.query, body: input.body, files })).digest('hex');
}

const keyReused = () =>
  conflict(`This ${IDEMPOTENCY_HEADER} was already used for a different request; use a new key for a new request`, {
    field: IDEMPOTENCY_HEADER,
    reason: 'different_request',
  });

function stillRunning(existing: Extract<IdempotencyRecord, { state: 'in_progress' }>, now: Date): AppError {
  const retryAfter = Math.min(Math.max(1, Math.ceil((existing.leaseUntil - now.getTime()) / 1000)), Math.ceil(IDEMPOTENCY_LEASE_MS / 1000));
  return new AppError(
    'CONFLICT',
    `A request with this ${IDEMPOTENCY_HEADER} is still being processed; retry in a moment to get its answer`,
    { field: IDEMPOTENCY_HEADER, reason: 'in_progress', retryAfterSeconds: retryAfter },
    { 'Retry-After': String(retryAfter) },
  );
}

export interface IdempotentRun {
  db: Db;
  scope: IdempotencyScope;
  fingerprint: string;
  now: Date;
  log: Logger;
  /** The route's implementation: the first request. */
  run: () => Promise<HttpReply>;
  /** Rebuilds the answer of a completed first request from the ids it stored. */
  replay: (resourceIds: string[]) => Promise<unknown>;
  /** The ids to store from the first success's `data`. */
  resourceIds: (data: unknown) => string[];
}

/**
 * Runs a first request under its key, or answers a retry: replays a completed first request (same status, the
 * body rebuilt by `replay`, `Idempotent-Replayed: true`), or 409 while it is still running or when the key was
 * used for a different request. A first request that fails (4xx/5xx, or throws) releases the key.
 */
export async function withIdempotency(o: IdempotentRun): Promise<HttpReply> {
  const token = randomUUID();
  for (let attempt = 0; attempt < 3; attempt++) {
    const claim = await claimIdempotencyKey(o.db, o.scope, { fingerprint: o.fingerprint, token, now: o.now });
    if (claim.claimed) return firstRequest(o, token);
    const existing = claim.existing;
    if (!existing) continue; // released or expired meanwhile: claim again
    if (existing.fingerprint !== o.fingerprint) throw keyReused();
    if (existing.state === 'in_progress') throw stillRunning(existing, o.now);
    return replayed(o, existing);
  }
  throw stillRunningGeneric();
}

const stillRunningGeneric = () =>
  new AppError('CONFLICT', `Requests with this ${IDEMPOTENCY_HEADER} keep racing; retry in a moment`, { field: IDEMPOTENCY_HEADER, reason: 'in_progress' }, { 'Retry-After': '1' });

async function firstRequest(o: IdempotentRun, token: string): Promise<HttpReply> {
  let out: HttpReply;
  try {
    out = await o.run();
  } catch (err) {
    await release(o, token);
    throw err;
  }
  if (out.statusCode >= 300) {
    await release(o, token);
    return out;
  }
  try {
    const data = out.body ? (JSON.parse(out.body) as { data?: unknown }).data : undefined;
    const resourceIds = o.resourceIds(data);
    if (!Array.isArray(resourceIds) || resourceIds.length === 0 || !resourceIds.every((id) => typeof id === 'string' && id.length > 0)) {
      throw new Error(`no resource ids in the answer of ${o.scope.route}`);
    }
    if (!(await completeIdempotencyKey(o.db, o.scope, { token, statusCode: out.statusCode, resourceIds, now: o.now }))) {
      o.log.warn('idempotency lease lost before the first request completed', { route: o.scope.route });
    }
  } catch (err) {
    // The resource exists and the client gets its answer; only a retry of it is not protected. Free the key so
    // a retry is not stuck behind a lease either.
    o.log.error('could not record the idempotent request as completed', { error: err, route: o.scope.route });
    await release(o, token);
  }
  return out;
}

async function release(o: IdempotentRun, token: string): Promise<void> {
  try {
    await releaseIdempotencyKey(o.db, o.scope, token);
  } catch (err) {
    // The lease runs out on its own; the answer to the client is what matters here.
    o.log.warn('could not release the idempotency key', { error: err, route: o.scope.route });
  }
}

async function replayed(o: IdempotentRun, record: Extract<IdempotencyRecord, { state: 'completed' }>): Promise<HttpReply> {
  let data: unknown;
  try {
    data = await o.replay(record.resourceIds);
  } catch (err) {
    if (err instanceof AppError && err.code === 'NOT_FOUND') {
      throw conflict(`The request with this ${IDEMPOTENCY_HEADER} succeeded, but what it created no longer exists`, {
        field: IDEMPOTENCY_HEADER,
        reason: 'resource_gone',
        resourceIds: record.resourceIds,
      });
    }
    throw err;
  }
  const out = reply.ok(data, record.statusCode);
  return new HttpReply(out.statusCode, out.body, { ...out.headers, [REPLAYED_HEADER]: 'true' });
}
