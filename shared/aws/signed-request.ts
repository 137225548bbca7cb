// Signed HTTP requests to AWS services, for the few calls that do not warrant a whole SDK client (S3 objects,
// Lambda Invoke, the WebSocket Management API). A generated client costs 10-150 KiB of bundle per service, and
// a Lambda's cold start is mostly V8 compiling its bundle; everything used here (the SigV4 signer, the Node
// HTTP handler, the credential chain, SHA-256) already ships in every bundle through the DynamoDB client, so
// this module adds almost nothing. Retries follow the SDK's standard mode; failures are typed errors that keep
// the SDK's shape (`name` is the service's error code, `$metadata.httpStatusCode`), so callers that tell
// GoneException, NotFound or a 412 apart work the same.
import { traced } from '../observability/tracing.ts';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/core/protocols';
import { Sha256 } from '@smithy/core/checksum';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { defaultProvider } from '@aws-sdk/credential-provider-node';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
export type CredentialsProvider = () => Promise<AwsCredentials>;

let defaultCredentials: CredentialsProvider | undefined;

/**
 * The SDK's default chain (environment, SSO, profile, process, web identity, container/instance metadata),
 * created once per cold start. The chain memoizes what it resolves and fetches again shortly before
 * temporary credentials expire, as every SDK client does.
 */
export function getDefaultCredentials(): CredentialsProvider {
  return (defaultCredentials ??= defaultProvider() as CredentialsProvider);
}

/** AWS_REGION (set in every Lambda), else AWS_DEFAULT_REGION; the SDK reads the same variables first. */
export function defaultRegion(): string {
  const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('AWS region is missing: set AWS_REGION');
  return region;
}

/**
 * A service's endpoint as the SDK resolves it from the environment: AWS_ENDPOINT_URL_<SERVICE>, then
 * AWS_ENDPOINT_URL (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS), else the public regional endpoint. This is
 * how the local stack points S3 at s3rver and Lambda at the gateway.
 */
export function serviceEndpoint(envName: string, hostPrefix: string, region: string): string {
  if (process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS !== 'true') {
    const configured = process.env[`AWS_ENDPOINT_URL_${envName}`] || process.env.AWS_ENDPOINT_URL;
    if (configured) return configured;
  }
  return `https://${hostPrefix}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** What a service answered. */
export interface AwsResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: Buffer;
}

/** A request before signing. `url` carries the host and the query (`host` is derived from it) and the path. */
export interface AwsRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  url: URL;
  /**
   * The encoded path, sent and signed as given, instead of `url.pathname` (a URL resolves `.` and `..`
   * segments, which are ordinary characters in an S3 key).
   */
  path?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** The API operation (`PutObject`, `Invoke`): its name in the call's X-Ray subsegment. */
  operation?: string;
  /** Extra X-Ray `aws` fields of the call (`bucket_name`). */
  traceFields?: Record<string, string | undefined>;
}

/** Sends one signed request over the wire. Injectable so tests can produce failures no emulator produces. */
export type Transport = (request: HttpRequest) => Promise<AwsResponse>;

/** A failure answered by the service after the retries: its error code (also `name`) and HTTP status. */
export class AwsServiceError extends Error {
  readonly code: string;
  readonly status: number;
  readonly service: string;
  /** Capacity, not the request: the caller may answer 503 and let its client retry (see isThrottled). */
  readonly throttling: boolean;
  /** The SDK's field, so checks written for SDK errors (`$metadata.httpStatusCode === 410`) keep working. */
  readonly $metadata: { httpStatusCode: number; requestId?: string; attempts: number };

  constructor(init: { service: string; code: string; message: string; status: number; requestId?: string; attempts: number }) {
    super(init.message || `${init.service} answered ${init.status} ${init.code}`);
    this.name = init.code;
    this.code = init.code;
    this.status = init.status;
    this.service = init.service;
    this.throttling = init.status === 429 || THROTTLING_CODES.has(init.code);
    this.$metadata = { httpStatusCode: init.status, requestId: init.requestId, attempts: init.attempts };
  }
}

/** The SDK's throttling error codes (standard retry mode). */
const THROTTLING_CODES = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
]);

/** How a service spells its errors: S3 in XML, the JSON services in a header and a JSON body. */
export type ErrorParser = (response: AwsResponse) => { code: string; message: string; requestId?: string };

/** JSON services (Lambda, API Gateway): `x-amzn-ErrorType` header or `__type`/`code` in the body. */
export const parseJsonError: ErrorParser = (response) => {
  let body: Record<string, unknown> = {};
  try {
    body = response.body.length ? (JSON.parse(response.body.toString('utf8')) as Record<string, unknown>) : {};
  } catch {
    /* not JSON: fall back on the status */
  }
  // `GoneException:http://internal.amazon.com/coral/...` and `aws.protocol#Name` both name the error first.
  const raw = response.headers['x-amzn-errortype'] ?? (body.__type as string | undefined) ?? (body.code as string | undefined) ?? (body.Code as string | undefined);
  const code = raw ? raw.split(':')[0].split('#').pop()! : statusCode(response.status);
  const message = String(body.message ?? body.Message ?? body.errorMessage ?? '');
  return { code, message, requestId: response.headers['x-amzn-requestid'] ?? response.headers['x-amz-request-id'] };
};

/** A name for an error answered without a body (HEAD), as the SDK names them. */
export function statusCode(status: number): string {
  const names: Record<number, string> = { 301: 'PermanentRedirect', 304: 'NotModified', 400: 'BadRequest', 403: 'Forbidden', 404: 'NotFound', 412: 'PreconditionFailed', 429: 'TooManyRequestsException', 500: 'InternalError', 503: 'ServiceUnavailable' };
  return names[status] ?? `Http${status}`;
}

export interface RetryPolicy {
  /** Attempts in all, the first included (the SDK's standard mode: 3). */
  maxAttempts: number;
  /** Backoff base; the n-th retry waits a random time up to base * 2^(n-1), capped at 20 s. */
  baseDelayMs: number;
  /** Base for throttling errors, which need more room than a dropped connection. */
  throttlingBaseDelayMs: number;
}

export const STANDARD_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 100, throttlingBaseDelayMs: 500 };

export interface AwsClientOptions {
  /** The signing name: `s3`, `lambda`, `execute-api`. */
  service: string;
  region?: string;
  credentials?: CredentialsProvider;
  transport?: Transport;
  retry?: Partial<RetryPolicy>;
  parseError: ErrorParser;
  /** S3 signs the path as sent; every other service signs it URI-encoded once more (SigV4). */
  uriEscapePath?: boolean;
  /** The service's name in X-Ray (`S3`, `Lambda`, `ApiGatewayManagementApi`); default the signing name. */
  traceName?: string;
}

export interface AwsClient {
  readonly service: string;
  readonly region: string;
  readonly signer: SignatureV4;
  readonly credentials: CredentialsProvider;
  /**
   * Signs and sends `request`, retrying network errors, 5xx and throttling; resolves with a 2xx answer and
   * rejects with an AwsServiceError otherwise (a 3xx too: S3 answers 301 for a bucket in another region).
   * The one place every request of these clients starts and ends: where tracing (an X-Ray subsegment per
   * call) or metrics would wrap it.
   */
  send(request: AwsRequest): Promise<AwsResponse>;
}

let sharedHandler: NodeHttpHandler | undefined;

/** The SDK's Node handler (keep-alive agents, timeouts), one per cold start, with the body read whole. */
export const nodeTransport: Transport = async (request) => {
  const { response } = await (sharedHandler ??= new NodeHttpHandler()).handle(request);
  const chunks: Buffer[] = [];
  const body = response.body as AsyncIterable<Uint8Array> | undefined;
  if (body && typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function') {
    for await (const chunk of body) chunks.push(Buffer.from(chunk));
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) headers[name.toLowerCase()] = String(value);
  return { status: response.statusCode, headers, body: Buffer.concat(chunks) };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Turns a request (encoded path, raw query values in the URL) into the SDK's request shape, `host` set. */
export function toHttpRequest(request: AwsRequest): HttpRequest {
  const { url } = request;
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  const headers: Record<string, string> = { host: url.host, ...request.headers };
  if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
  return new HttpRequest({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: request.path ?? url.pathname,
    query,
    headers,
    body: request.body,
  });
}

export function createAwsClient(options: AwsClientOptions): AwsClient {
  const region = options.region ?? defaultRegion();
  const credentials = options.credentials ?? getDefaultCredentials();
  const transport = options.transport ?? nodeTransport;
  const retry = { ...STANDARD_RETRY, ...options.retry };
  const signer = new SignatureV4({ service: options.service, region, credentials, sha256: Sha256, uriEscapePath: options.uriEscapePath ?? true });

  // One subsegment per call (retries included) in a sampled invocation; nothing otherwise.
  const send = (request: AwsRequest): Promise<AwsResponse> =>
    traced(options.traceName ?? options.service, request.operation ?? request.method, () => sendWithRetries(request), request.traceFields);

  async function sendWithRetries(request: AwsRequest): Promise<AwsResponse> {
    for (let attempt = 1; ; attempt++) {
      let response: AwsResponse;
      try {
        // Signed again on every attempt: the date is part of the signature.
        const signed = (await signer.sign(toHttpRequest(request))) as HttpRequest;
        response = await transport(signed);
      } catch (err) {
        // Connection reset, refused, timed out: transient for the SDK too.
        if (attempt >= retry.maxAttempts || err instanceof AwsServiceError) throw err;
        await sleep(backoff(attempt, retry.baseDelayMs));
        continue;
      }
      if (response.status >= 200 && response.status < 300) return response;
      const parsed = options.parseError(response);
      const error = new AwsServiceError({ service: options.service, ...parsed, status: response.status, attempts: attempt });
      const retryable = error.throttling || response.status >= 500;
      if (!retryable || attempt >= retry.maxAttempts) throw error;
      await sleep(backoff(attempt, error.throttling ? retry.throttlingBaseDelayMs : retry.baseDelayMs));
    }
  }

  return { service: options.service, region, signer, credentials, send };
}

/** Full jitter, as the SDK's standard retry strategy. */
function backoff(attempt: number, baseMs: number): number {
  return Math.random() * Math.min(20_000, baseMs * 2 ** (attempt - 1));
}
