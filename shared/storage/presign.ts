// Short-lived presigned URLs: GET for downloads and views, POST (policy-bound form) for direct uploads.
// Signing is local CPU work (HMAC with the function's credentials); no request goes to S3.
import type { Storage } from './s3.ts';

/** Lifetimes of what we hand out. Views are embedded in responses the client may cache for a page's life. */
export const URL_TTL = {
  /** `url`/`thumbnailUrl` in file objects and summaries, and GET /files/signed-url. */
  viewSeconds: 15 * 60,
  /** The Location of GET /files/{id}/download: followed at once by the browser. */
  downloadSeconds: 5 * 60,
  /** The presigned POST policy of a direct upload. */
  uploadSeconds: 10 * 60,
} as const;

export interface SignedUrl {
  url: string;
  /** ISO-8601; equals the signing time + X-Amz-Expires. */
  expiresAt: string;
}

export interface PresignGetInput {
  key: string;
  expiresInSeconds: number;
  now?: Date;
  /** Overrides the stored Content-Type in the response (`response-content-type`). */
  contentType?: string;
  /** Makes the browser save the file under this name (`response-content-disposition: attachment`). */
  downloadName?: string;
}

/**
 * Presigned GET. The signing date is pinned to `now` so `expiresAt` is exactly what S3 enforces.
 * (With a Lambda role the URL also dies when the role's session credentials expire, which is later than
 * any lifetime used here: Lambda refreshes them well before expiry.)
 */
export async function presignGet(storage: Storage, input: PresignGetInput): Promise<SignedUrl> {
  const now = input.now ?? new Date();
  // SigV4 dates have whole seconds; round down so expiresAt is never later than S3's own deadline.
  const signingDate = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const url = await storage.s3.presignGetObject({
    Bucket: storage.bucket,
    Key: input.key,
    ResponseContentType: input.contentType,
    ResponseContentDisposition: input.downloadName ? attachmentDisposition(input.downloadName) : undefined,
    expiresInSeconds: input.expiresInSeconds,
    signingDate,
  });
  return { url, expiresAt: new Date(signingDate.getTime() + input.expiresInSeconds * 1000).toISOString() };
}

/**
 * `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>` (RFC 6266 / RFC 8187):
 * old clients get a safe ASCII name, current ones the original.
 */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

export interface PresignPostInput {
  key: string;
  contentType: string;
  /** Upper bound of the content-length-range condition (the declared size). */
  maxBytes: number;
  expiresInSeconds: number;
}

export interface PresignedUpload {
  url: string;
  /** Form fields to send before the `file` field, in any order. */
  fields: Record<string, string>;
  /** The policy's own `expiration`, so what we report is what S3 enforces. */
  expiresAt: string;
}

/**
 * Presigned POST whose policy pins the exact key, the exact Content-Type and a size range of
 * [1, maxBytes]. S3 rejects any form that breaks a condition; the confirm step re-checks size and type
 * with HeadObject anyway (emulators do not enforce policies, and defence in depth is cheap).
 */
export async function presignPost(storage: Storage, input: PresignPostInput): Promise<PresignedUpload> {
  const { url, fields, expiration } = await storage.s3.presignPost({
    Bucket: storage.bucket,
    Key: input.key,
    Fields: { 'Content-Type': input.contentType },
    Conditions: [
      ['eq', '$key', input.key],
      ['eq', '$Content-Type', input.contentType],
      ['content-length-range', 1, input.maxBytes],
    ],
    expiresInSeconds: input.expiresInSeconds,
  });
  return { url, fields, expiresAt: new Date(expiration).toISOString() };
}
