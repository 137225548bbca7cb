// AWS calls as X-Ray subsegments, without the X-Ray SDK (its import costs more than the whole budget allows):
// Lambda's active tracing opens the invocation's segment and hands its id in `_X_AMZN_TRACE_ID`; each AWS call
// sends one UDP datagram with its subsegment to the X-Ray daemon Lambda runs beside the function
// (`AWS_XRAY_DAEMON_ADDRESS`). Untraced or unsampled invocations (and the local stack) do nothing but read an env
// variable. Document format: https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { traceHeader } from './trace-header.ts';

/** What a subsegment says about the AWS call under `aws` (table_name, bucket_name, queue_url...). */
export type AwsCallFields = Record<string, string | number | string[] | undefined>;

interface CallOutcome {
  status?: number;
  error?: unknown;
  requestId?: string;
  retries?: number;
  /** X-Ray's namespace: `aws` for AWS services, `remote` for any other HTTP API (Stripe). */
  namespace?: 'aws' | 'remote';
}

let socket: Socket | undefined;

function daemon(): { host: string; port: number } | undefined {
  // `host:port`, or `tcp:host:port udp:host:port` when the daemon listens apart: the UDP one is ours.
  const raw = process.env.AWS_XRAY_DAEMON_ADDRESS;
  if (!raw) return undefined;
  const udp = raw.split(/\s+/).find((a) => a.startsWith('udp:'))?.slice(4) ?? raw.split(/\s+/)[0];
  const at = udp.lastIndexOf(':');
  const port = Number(udp.slice(at + 1));
  return at > 0 && port ? { host: udp.slice(0, at), port } : undefined;
}

/** The trace this invocation reports to, when it is sampled and a daemon listens; else undefined (do nothing). */
function activeTrace() {
  const header = traceHeader();
  if (!header?.sampled || !header.parent) return undefined;
  const to = daemon();
  return to && { ...header, parent: header.parent, to };
}

function isThrottle(status: number | undefined, error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name ?? '';
  return status === 429 || /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded|TooManyRequests/.test(name);
}

/** Sends the subsegment of one AWS call (times in epoch ms). */
function emit(trace: NonNullable<ReturnType<typeof activeTrace>>, service: string, operation: string, fields: AwsCallFields, startMs: number, endMs: number, outcome: CallOutcome) {
  const status = outcome.status ?? (outcome.error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  const failed = outcome.error !== undefined;
  const throttle = failed && isThrottle(status, outcome.error);
  // X-Ray's flags: fault for a 5xx (or no answer), error for a 4xx, throttle for a 429.
  const fault = failed && (status === undefined || status >= 500);
  const document = {
    id: randomBytes(8).toString('hex'),
    trace_id: trace.root,
    parent_id: trace.parent,
    type: 'subsegment',
    name: service,
    namespace: outcome.namespace ?? 'aws',
    start_time: startMs / 1000,
    end_time: endMs / 1000,
    aws: { operation, region: process.env.AWS_REGION, request_id: outcome.requestId, retries: outcome.retries, ...fields },
    ...(status ? { http: { response: { status } } } : {}),
    ...(failed && !fault ? { error: true } : {}),
    ...(fault ? { fault: true } : {}),
    ...(throttle ? { throttle: true } : {}),
    ...(failed ? { cause: { exceptions: [{ id: randomBytes(8).toString('hex'), type: (outcome.error as Error)?.name, message: (outcome.error as Error)?.message }] } } : {}),
  };
  const datagram = Buffer.from(`{"format": "json", "version": 1}\n${JSON.stringify(document)}`);
  if (!socket) {
    socket = createSocket('udp4');
    socket.unref(); // never keeps a process (a test, a script) alive
    socket.on('error', () => {}); // a lost subsegment is not the request's failure
  }
  socket.send(datagram, trace.to.port, trace.to.host);
}

/**
 * Runs one AWS call (`fn`) and, in a sampled invocation, reports it as a subsegment named `service` (X-Ray's
 * names: `DynamoDB`, `S3`, `SES`, `Lambda`...). For clients without SDK middleware (signed fetch calls).
 */
export async function traced<T>(service: string, operation: string, fn: () => Promise<T>, fields: AwsCallFields = {}): Promise<T> {
  const trace = activeTrace();
  if (!trace) return fn();
  const start = Date.now();
  try {
    const out = await fn();
    const status = (out as { status?: number; $metadata?: { httpStatusCode?: number } } | undefined);
    emit(trace, service, operation, fields, start, Date.now(), { status: status?.$metadata?.httpStatusCode ?? (typeof status?.status === 'number' ? status.status : undefined) });
    return out;
  } catch (error) {
    emit(trace, service, operation, fields, start, Date.now(), { error });
    throw error;
  }
}

interface SdkClientLike {
  middlewareStack: { add(middleware: unknown, options: { step: 'initialize'; name: string }): void };
}

/**
 * Makes every command of an SDK v3 client a subsegment (X-Ray name `service`). At the initialize step, so one
 * subsegment spans the SDK's retries (its `retries` says how many).
 */
export function traceSdkClient<T extends SdkClientLike>(client: T, service: string): T {
  const middleware =
    (next: (args: { input: Record<string, unknown> }) => Promise<{ output: { $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number } } }>, context: { commandName?: string }) =>
    async (args: { input: Record<string, unknown> }) => {
      const trace = activeTrace();
      if (!trace) return next(args);
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const input = args.input ?? {};
      const fields: AwsCallFields = {
        table_name: typeof input.TableName === 'string' ? input.TableName : undefined,
        bucket_name: typeof input.Bucket === 'string' ? input.Bucket : undefined,
        table_names: input.RequestItems && typeof input.RequestItems === 'object' ? Object.keys(input.RequestItems) : undefined,
      };
      const start = Date.now();
      try {
        const result = await next(args);
        const meta = result.output?.$metadata ?? {};
        emit(trace, service, operation, fields, start, Date.now(), { status: meta.httpStatusCode, requestId: meta.requestId, retries: Math.max(0, (meta.attempts ?? 1) - 1) });
        return result;
      } catch (error) {
        const meta = (error as { $metadata?: { requestId?: string; attempts?: number } }).$metadata ?? {};
        emit(trace, service, operation, fields, start, Date.now(), { error, requestId: meta.requestId, retries: Math.max(0, (meta.attempts ?? 1) - 1) });
        throw error;
      }
    };
  client.middlewareStack.add(middleware, { step: 'initialize', name: 'xraySubsegment' });
  return client;
}

/**
 * Reports a call that has already happened, from a client's own request events (the Stripe SDK's `response`
 * event carries the method, path, status and both times): a `remote` subsegment in a sampled invocation.
 */
export function recordRemoteCall(service: string, operation: string, startMs: number, endMs: number, status: number | undefined, requestId?: string): void {
  const trace = activeTrace();
  if (!trace) return;
  const error = status === undefined || status >= 400 ? Object.assign(new Error(`HTTP ${status ?? 'no answer'}`), { name: `Http${status ?? 'Error'}` }) : undefined;
  emit(trace, service, operation, {}, startMs, endMs, { status, error, requestId, namespace: 'remote' });
}
