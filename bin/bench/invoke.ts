// Invokes a handler module directly with the API Gateway v2 event the local gateway would build, and
// records the AWS SDK calls a handler makes so the same calls can be replayed "raw" through the client.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '@smithy/types';
import * as docCommands from '@aws-sdk/lib-dynamodb';
import * as dynamoCommands from '@aws-sdk/client-dynamodb';
import type { S3 } from '../../shared/aws/s3.ts';
import { allRoutes } from '../../shared/contract/index.ts';
import { routeKey } from '../../shared/http/contract.ts';
import { compileRoutes, matchRoute } from '../../infra/local/routes.ts';
import { buildHttpEvent, lambdaContext, loadHandler } from '../../infra/local/gateway.ts';

const compiled = compileRoutes(allRoutes);

const handlerExists = (fn: string) => existsSync(fileURLToPath(new URL(`../../functions/${fn}/handler.ts`, import.meta.url)));

/**
 * True when the contract declares `METHOD /path/{param}` and its function's handler exists (endpoints land
 * over time, sometimes the contract first; absent ones are skipped).
 */
export function hasRoute(key: string): boolean {
  const route = allRoutes.find((r) => routeKey(r) === key);
  return Boolean(route && handlerExists(route.fn));
}

export interface Invocation {
  status: number;
  body: any;
  ms: number;
  headers: Record<string, string>;
}

/** One request straight into the handler module (no HTTP): `GET /users/students?limit=20`. */
export async function invoke(method: string, pathAndQuery: string, options: { token?: string; body?: unknown } = {}): Promise<Invocation> {
  const [path, rawQueryString = ''] = pathAndQuery.split('?');
  const match = matchRoute(compiled, method, path);
  if (match === 'no-route') throw new Error(`no route for ${method} ${path}`);
  const headers: Record<string, string> = { 'user-agent': 'gradhelper-bench' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: Buffer | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = Buffer.from(JSON.stringify(options.body));
  }
  const event = buildHttpEvent({ method, path, routeKey: match.compiled.key, pathParameters: match.pathParameters, headers, rawQueryString, body });
  const handler = await loadHandler(match.compiled.route.fn);
  const context = lambdaContext(match.compiled.route.fn, event.requestContext.requestId);
  const started = performance.now();
  const result = (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
  const ms = performance.now() - started;
  let parsed: unknown = result.body;
  try {
    parsed = result.body ? JSON.parse(result.body) : undefined;
  } catch {
    /* not JSON (redirects, bytes) */
  }
  return { status: result.statusCode ?? 200, body: parsed, ms, headers: (result.headers ?? {}) as Record<string, string> };
}

// ---- Recording and replaying SDK calls --------------------------------------------------------

export interface RecordedCall {
  service: 'dynamodb' | 's3';
  command: string;
  input: unknown;
  startedAt: number;
  endedAt: number;
  /** Items DynamoDB read for the call (Query/Scan `ScannedCount`, GetItem/BatchGet items returned). */
  itemsRead?: number;
}

let recording: RecordedCall[] | undefined;
/** Inputs are cloned only when they will be replayed, so timing runs pay next to nothing for the recorder. */
let captureInputs = false;
const instrumented = new WeakSet<object>();

/**
 * Adds a recorder at the front of a client's middleware stack. For the document client this sees the
 * command before marshalling (its stack is the wrapped client's), so the recorded input can be sent again
 * through the document client as is.
 */
export function instrument(client: Client<any, any, any>, service: RecordedCall['service']): void {
  if (instrumented.has(client.middlewareStack)) return;
  instrumented.add(client.middlewareStack);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const sink = recording;
      if (!sink) return next(args);
      const input = captureInputs ? structuredClone(args.input) : undefined;
      const call: RecordedCall = { service, command: String(context.commandName), input, startedAt: performance.now(), endedAt: 0 };
      sink.push(call);
      try {
        const result = await next(args);
        call.itemsRead = itemsReadOf(result.output as Record<string, any> | undefined);
        return result;
      } finally {
        call.endedAt = performance.now();
      }
    },
    { step: 'initialize', priority: 'high', name: 'benchRecorder' },
  );
}

/** The S3 operations that send a request (presigning is local), recorded under their API names (`PutObject`). */
const S3_OPERATIONS = ['putObject', 'getObject', 'headObject', 'deleteObject', 'copyObject', 'headBucket'] as const;
type S3Operation = (typeof S3_OPERATIONS)[number];

/** The recorder for the signed-request S3 client: wraps its request-sending methods on this instance. */
export function instrumentS3(s3: S3): void {
  if (instrumented.has(s3)) return;
  instrumented.add(s3);
  for (const op of S3_OPERATIONS) {
    const original = (s3[op] as (input: unknown) => Promise<unknown>).bind(s3);
    (s3 as unknown as Record<string, unknown>)[op] = async (input: unknown) => {
      const sink = recording;
      if (!sink) return original(input);
      const call: RecordedCall = { service: 's3', command: op[0].toUpperCase() + op.slice(1), input: captureInputs ? structuredClone(input) : undefined, startedAt: performance.now(), endedAt: 0 };
      sink.push(call);
      try {
        return await original(input);
      } finally {
        call.endedAt = performance.now();
      }
    };
  }
}

function itemsReadOf(output: Record<string, any> | undefined): number | undefined {
  if (!output) return undefined;
  if (typeof output.ScannedCount === 'number') return output.ScannedCount;
  if (output.Item) return 1;
  if (output.Responses && typeof output.Responses === 'object') {
    return Object.values(output.Responses as Record<string, unknown[]>).reduce((n, items) => n + (Array.isArray(items) ? items.length : 0), 0);
  }
  return undefined;
}

/** Items read by the Query calls among `calls` (what a list page costs, independent of machine load). */
export function queryItemsRead(calls: RecordedCall[]): number {
  return calls.filter((c) => c.command === 'QueryCommand').reduce((n, c) => n + (c.itemsRead ?? 0), 0);
}

/** Runs `fn` and returns the SDK calls made meanwhile, in start order (with their inputs when `inputs`). */
export async function recordCalls<T>(fn: () => Promise<T>, options: { inputs?: boolean } = { inputs: true }): Promise<{ result: T; calls: RecordedCall[] }> {
  recording = [];
  captureInputs = options.inputs ?? true;
  try {
    const result = await fn();
    return { result, calls: [...recording].sort((a, b) => a.startedAt - b.startedAt) };
  } finally {
    recording = undefined;
    captureInputs = false;
  }
}

/** Wall time spent inside SDK calls (overlapping calls counted once): the AWS share of one invocation. */
export function timeInCalls(calls: RecordedCall[]): number {
  let total = 0;
  let end = -Infinity;
  for (const c of [...calls].sort((a, b) => a.startedAt - b.startedAt)) {
    if (c.startedAt >= end) {
      total += c.endedAt - c.startedAt;
      end = c.endedAt;
    } else if (c.endedAt > end) {
      total += c.endedAt - end;
      end = c.endedAt;
    }
  }
  return total;
}

/** Calls that overlapped in time ran concurrently (Promise.all in the handler); replay them the same way. */
export function waves(calls: RecordedCall[]): RecordedCall[][] {
  const out: RecordedCall[][] = [];
  let current: RecordedCall[] = [];
  let currentEnd = -Infinity;
  for (const call of calls) {
    if (current.length && call.startedAt >= currentEnd) {
      out.push(current);
      current = [];
      currentEnd = -Infinity;
    }
    current.push(call);
    currentEnd = Math.max(currentEnd, call.endedAt);
  }
  if (current.length) out.push(current);
  return out;
}

/** The low-level command names the document client wraps, mapped to its own commands. */
const documentCommandFor: Record<string, string> = {
  GetItemCommand: 'GetCommand',
  PutItemCommand: 'PutCommand',
  UpdateItemCommand: 'UpdateCommand',
  DeleteItemCommand: 'DeleteCommand',
  QueryCommand: 'QueryCommand',
  BatchGetItemCommand: 'BatchGetCommand',
  BatchWriteItemCommand: 'BatchWriteCommand',
  TransactGetItemsCommand: 'TransactGetCommand',
  TransactWriteItemsCommand: 'TransactWriteCommand',
};

export interface Clients {
  doc: { send(command: any): Promise<unknown> };
  s3: S3;
}

/** Replays recorded calls directly (document client / S3 client), wave by wave; condition failures count as done. */
export async function replay(clients: Clients, plan: RecordedCall[][]): Promise<number> {
  const started = performance.now();
  for (const wave of plan) {
    await Promise.all(
      wave.map(async (call) => {
        try {
          if (call.service === 's3') await replayS3(clients.s3, call);
          else await clients.doc.send(commandOf(call));
        } catch (err) {
          const name = (err as Error).name;
          if (name !== 'ConditionalCheckFailedException' && name !== 'TransactionCanceledException') throw err;
        }
      }),
    );
  }
  return performance.now() - started;
}

function commandOf(call: RecordedCall): unknown {
  const input = structuredClone(call.input);
  const docName = documentCommandFor[call.command];
  const Ctor = docName
    ? (docCommands as unknown as Record<string, new (i: unknown) => unknown>)[docName]
    : (dynamoCommands as unknown as Record<string, new (i: unknown) => unknown>)[call.command];
  if (!Ctor) throw new Error(`cannot replay DynamoDB ${call.command}`);
  return new Ctor(input);
}

function replayS3(s3: S3, call: RecordedCall): Promise<unknown> {
  const op = (call.command[0].toLowerCase() + call.command.slice(1)) as S3Operation;
  if (!S3_OPERATIONS.includes(op)) throw new Error(`cannot replay S3 ${call.command}`);
  return (s3[op] as (input: unknown) => Promise<unknown>)(structuredClone(call.input));
}

/** "GetItem ∥ HeadBucket → Query": the recorded calls as a readable plan. */
export function describePlan(plan: RecordedCall[][]): string {
  return plan
    .map((wave) => wave.map((c) => c.command.replace(/Command$/, '')).join(' ∥ '))
    .join(' → ');
}
