// The S3 calls this backend makes (objects: put, get, head, copy, delete; HeadBucket; presigned GET and POST)
// as signed requests (./signed-request.ts) instead of @aws-sdk/client-s3, which with its checksum, XML and
// presigning packages weighs ~225 KiB in a bundle. Inputs and outputs keep the SDK's names for the fields used,
// so code reads as it did with the SDK's commands.
import { escapeUri, extendedEncodeURIComponent } from '@smithy/core/protocols';
import {
  AwsServiceError,
  createAwsClient,
  defaultRegion,
  serviceEndpoint,
  statusCode,
  toHttpRequest,
  type AwsClient,
  type AwsClientOptions,
  type AwsResponse,
  type ErrorParser,
} from './signed-request.ts';

export interface S3Options extends Partial<Pick<AwsClientOptions, 'region' | 'credentials' | 'transport' | 'retry'>> {
  /** Default: AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else `https://s3.<region>.amazonaws.com`. */
  endpoint?: string;
  /** `<endpoint>/<bucket>/<key>` instead of `<bucket>.<endpoint host>/<key>` (emulators). */
  forcePathStyle?: boolean;
}

export interface PutObjectInput {
  Bucket: string;
  Key: string;
  Body: Uint8Array | string;
  ContentType?: string;
  CacheControl?: string;
  /** `x-amz-meta-*`; ASCII values. */
  Metadata?: Record<string, string>;
}

export interface GetObjectInput {
  Bucket: string;
  Key: string;
  /** `bytes=0-99` */
  Range?: string;
  IfMatch?: string;
}

export interface ObjectHead {
  ContentLength?: number;
  ContentType?: string;
  /** Quoted, as S3 sends it. */
  ETag?: string;
}

export interface CopyObjectInput {
  Bucket: string;
  Key: string;
  /** `<bucket>/<key>`, unencoded. */
  CopySource: string;
  CopySourceIfMatch?: string;
  MetadataDirective?: 'COPY' | 'REPLACE';
  ContentType?: string;
  Metadata?: Record<string, string>;
}

export interface PresignGetObjectInput {
  Bucket: string;
  Key: string;
  ResponseContentType?: string;
  ResponseContentDisposition?: string;
  expiresInSeconds: number;
  /** Whole seconds; the URL is valid from here for expiresInSeconds. */
  signingDate: Date;
}

export type PostPolicyCondition = Record<string, string> | [string, string, string] | ['content-length-range', number, number];

export interface PresignPostInput {
  Bucket: string;
  Key: string;
  /** Form fields the client must send as given (each also becomes an exact-match condition). */
  Fields?: Record<string, string>;
  Conditions?: PostPolicyCondition[];
  expiresInSeconds: number;
  now?: Date;
}

/** S3 errors: `<Error><Code>NoSuchKey</Code><Message>...</Message>...` or, for HEAD, only the status. */
export const parseS3Error: ErrorParser = (response) => {
  const xml = response.body.toString('utf8');
  return {
    code: xmlText(xml, 'Code') ?? statusCode(response.status),
    message: xmlText(xml, 'Message') ?? '',
    requestId: response.headers['x-amz-request-id'] ?? xmlText(xml, 'RequestId'),
  };
};

const XML_ENTITIES: Record<string, string> = { quot: '"', amp: '&', apos: "'", lt: '<', gt: '>' };

/** The text of the first `<tag>` (S3's answers are flat enough for this), entities decoded. */
export function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return match?.[1].replace(/&(#x?[0-9a-fA-F]+|\w+);/g, (entity, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return XML_ENTITIES[name] ?? entity;
  });
}

/** Buckets that can be a host name label (no dots: TLS wildcard certificates cover one label). */
const VIRTUAL_HOSTABLE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

const encodeKey = (key: string) => key.split('/').map(extendedEncodeURIComponent).join('/');

const metadataHeaders = (metadata: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [`x-amz-meta-${k.toLowerCase()}`, v]));

/** An S3 client for the operations this backend uses. */
export class S3 {
  readonly client: AwsClient;
  readonly endpoint: URL;
  readonly forcePathStyle: boolean;

  constructor(options: S3Options = {}) {
    const region = options.region ?? defaultRegion();
    this.client = createAwsClient({ ...options, region, service: 's3', traceName: 'S3', uriEscapePath: false, parseError: parseS3Error });
    this.endpoint = new URL(options.endpoint ?? serviceEndpoint('S3', 's3', region));
    this.forcePathStyle = options.forcePathStyle ?? false;
  }

  /**
   * Where a bucket (key undefined) or an object in it lives: path-style when forced or when the bucket name
   * cannot be a host name label. The path is kept apart from the URL, which would resolve `.`/`..` segments.
   */
  target(bucket: string, key?: string): { url: URL; path: string } {
    const url = new URL(this.endpoint);
    const base = url.pathname.replace(/\/$/, '');
    const objectPath = key === undefined ? '' : encodeKey(key);
    if (this.forcePathStyle || !VIRTUAL_HOSTABLE.test(bucket)) return { url, path: `${base}/${bucket}${key === undefined ? '' : `/${objectPath}`}` };
    url.hostname = `${bucket}.${url.hostname}`;
    return { url, path: `${base}/${objectPath}` };
  }

  /** The object's URL as a string (unsigned). */
  objectUrl(bucket: string, key: string): string {
    const { url, path } = this.target(bucket, key);
    return `${url.origin}${path}`;
  }

  async putObject(input: PutObjectInput): Promise<{ ETag?: string }> {
    const response = await this.client.send({ operation: 'PutObject', traceFields: { bucket_name: input.Bucket },
      method: 'PUT',
      ...this.target(input.Bucket, input.Key),
      headers: {
        ...(input.ContentType ? { 'content-type': input.ContentType } : {}),
        ...(input.CacheControl ? { 'cache-control': input.CacheControl } : {}),
        ...metadataHeaders(input.Metadata),
      },
      body: input.Body,
    });
    return { ETag: response.headers.etag };
  }

  /** The object's bytes (or the requested range of them). */
  async getObject(input: GetObjectInput): Promise<ObjectHead & { Body: Buffer }> {
    const response = await this.client.send({ operation: 'GetObject', traceFields: { bucket_name: input.Bucket },
      method: 'GET',
      ...this.target(input.Bucket, input.Key),
      headers: { ...(input.Range ? { range: input.Range } : {}), ...(input.IfMatch ? { 'if-match': input.IfMatch } : {}) },
    });
    return { ...headOf(response), Body: response.body };
  }

  /** Rejects with `NotFound` (404) when there is no such object. */
  async headObject(input: { Bucket: string; Key: string }): Promise<ObjectHead> {
    return headOf(await this.client.send({ operation: 'HeadObject', traceFields: { bucket_name: input.Bucket }, method: 'HEAD', ...this.target(input.Bucket, input.Key) }));
  }

  /** Deleting an object that is not there succeeds, as in S3. */
  async deleteObject(input: { Bucket: string; Key: string }): Promise<void> {
    await this.client.send({ operation: 'DeleteObject', traceFields: { bucket_name: input.Bucket }, method: 'DELETE', ...this.target(input.Bucket, input.Key) });
  }

  async copyObject(input: CopyObjectInput): Promise<{ CopyObjectResult?: { ETag?: string } }> {
    const response = await this.client.send({ operation: 'CopyObject', traceFields: { bucket_name: input.Bucket },
      method: 'PUT',
      ...this.target(input.Bucket, input.Key),
      headers: {
        'x-amz-copy-source': encodeKey(input.CopySource),
        ...(input.CopySourceIfMatch ? { 'x-amz-copy-source-if-match': input.CopySourceIfMatch } : {}),
        ...(input.MetadataDirective ? { 'x-amz-metadata-directive': input.MetadataDirective } : {}),
        ...(input.ContentType ? { 'content-type': input.ContentType } : {}),
        ...metadataHeaders(input.Metadata),
      },
    });
    const xml = response.body.toString('utf8');
    // A copy can fail after S3 has answered 200: the error is then the body (S3 documents this for CopyObject).
    if (/^\s*(<\?xml[^>]*>\s*)?<Error>/.test(xml)) {
      throw new AwsServiceError({ service: 's3', ...parseS3Error(response), status: 500, attempts: 1 });
    }
    return { CopyObjectResult: { ETag: xmlText(xml, 'ETag') } };
  }

  /** Resolves when the bucket exists and these credentials may list it. */
  async headBucket(input: { Bucket: string }): Promise<void> {
    await this.client.send({ operation: 'HeadBucket', traceFields: { bucket_name: input.Bucket }, method: 'HEAD', ...this.target(input.Bucket) });
  }

  /**
   * A presigned GET (query-string SigV4, `UNSIGNED-PAYLOAD`, only `host` signed), in the form of AWS's own
   * example (S3 API reference, "Authenticating Requests: Using Query Parameters").
   */
  async presignGetObject(input: PresignGetObjectInput): Promise<string> {
    const { url, path } = this.target(input.Bucket, input.Key);
    if (input.ResponseContentType) url.searchParams.set('response-content-type', input.ResponseContentType);
    if (input.ResponseContentDisposition) url.searchParams.set('response-content-disposition', input.ResponseContentDisposition);
    const request = toHttpRequest({ method: 'GET', url, path });
    // The payload hash comes from this header; kept out of the query and out of the signed headers.
    request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    const keep = new Set(['x-amz-content-sha256']);
    const signed = await this.client.signer.presign(request, {
      signingDate: input.signingDate,
      expiresIn: input.expiresInSeconds,
      unsignableHeaders: keep,
      unhoistableHeaders: keep,
    });
    const query = Object.entries(signed.query ?? {})
      .map(([name, value]) => `${escapeUri(name)}=${escapeUri(String(value))}`)
      .join('&');
    return `${url.origin}${path}?${query}`;
  }

  /**
   * A presigned POST: the policy (expiration and conditions) in base64, signed as a string with the day's
   * SigV4 key, plus the fields a browser form sends with it. Same fields and conditions as the SDK's
   * createPresignedPost: the caller's conditions, one exact match per field, then the key.
   */
  async presignPost(input: PresignPostInput): Promise<{ url: string; fields: Record<string, string>; expiration: string }> {
    const now = input.now ?? new Date();
    const amzDate = iso8601(now).replace(/[-:]/g, '');
    const credentials = await this.client.credentials();
    const fields: Record<string, string> = {
      ...input.Fields,
      bucket: input.Bucket,
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': `${credentials.accessKeyId}/${amzDate.slice(0, 8)}/${this.client.region}/s3/aws4_request`,
      'X-Amz-Date': amzDate,
      ...(credentials.sessionToken ? { 'X-Amz-Security-Token': credentials.sessionToken } : {}),
    };
    const conditions = new Set<string>();
    for (const condition of input.Conditions ?? []) conditions.add(JSON.stringify(condition));
    for (const [name, value] of Object.entries(fields)) conditions.add(JSON.stringify({ [name]: value }));
    conditions.add(JSON.stringify({ key: input.Key }));
    const expiration = iso8601(new Date(now.getTime() + input.expiresInSeconds * 1000));
    const policy = Buffer.from(JSON.stringify({ expiration, conditions: [...conditions].map((c) => JSON.parse(c)) }), 'utf8').toString('base64');
    const signature = await this.client.signer.sign(policy, { signingDate: now });
    const { url, path } = this.target(input.Bucket);
    return { url: `${url.origin}${path}`, fields: { ...fields, key: input.Key, Policy: policy, 'X-Amz-Signature': signature }, expiration };
  }
}

/** ISO-8601 without milliseconds, as SigV4 dates and S3 policies are written. */
const iso8601 = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

function headOf(response: AwsResponse): ObjectHead {
  const length = response.headers['content-length'];
  return {
    ...(length !== undefined ? { ContentLength: Number(length) } : {}),
    ...(response.headers['content-type'] ? { ContentType: response.headers['content-type'] } : {}),
    ...(response.headers.etag ? { ETag: response.headers.etag } : {}),
  };
}
