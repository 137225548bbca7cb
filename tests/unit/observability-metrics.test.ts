// The metric line a request leaves in its function's log (CloudWatch embedded metric format), and how an
// unexpected error is logged: once, with its stack, request id, route and user id, never a token or the body.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { createLogger, setLogSink } from '../../shared/log.ts';
import { instrumented } from '../../shared/observability/invocation.ts';
import { processRecordsInOrder } from '../../shared/streams/batch.ts';
import { createHttpHandler } from '../../shared/http/pipeline.ts';
import { defineRoute } from '../../shared/http/contract.ts';
import { notFound } from '../../shared/errors.ts';
import { signAccessToken } from '../../shared/auth/tokens.ts';
import { Dimension, HttpMetric, METRICS_NAMESPACE } from '../../shared/observability/metric-names.ts';
import { createMetrics, emfLines } from '../../shared/observability/metrics.ts';

const savedEnv = { ...process.env };
let lines: string[] = [];

beforeAll(() => {
  process.env.TABLE_NAME ??= 'unit-table';
  process.env.BUCKET_NAME ??= 'unit-bucket';
  process.env.JWT_SECRET ??= 'unit-test-signing-secret-that-is-long-enough-0123456789';
  process.env.LOG_LEVEL = 'info';
  delete process.env.METRICS_NAMESPACE;
  setLogSink((line) => lines.push(line));
  handler = createTestHandler(); // reads the configuration set above
});
afterEach(() => {
  lines = [];
});
afterAll(() => {
  setLogSink(undefined);
  process.env = savedEnv;
});

const routes = {
  getThing: defineRoute({ method: 'GET', path: '/things/{thingId}', fn: 'tasks', access: 'public', rateLimit: 'none', summary: 't', params: z.object({ thingId: z.string() }) }),
  crash: defineRoute({ method: 'POST', path: '/things/{thingId}/crash', fn: 'tasks', access: 'authenticated', rateLimit: 'none', summary: 'c', params: z.object({ thingId: z.string() }), body: z.object({ note: z.string() }) }),
};

let handler: ReturnType<typeof createTestHandler>;
const createTestHandler = () => createHttpHandler(routes, {
  getThing: async ({ params, metrics }) => {
    if (params.thingId === 'missing') throw notFound('Thing');
    metrics.count('ThingsRead');
    return { id: params.thingId };
  },
  crash: async () => {
    // A bug whose message carries what it should not: the access token it was handed.
    throw new Error(`cannot parse ${bearer}`);
  },
  });
let bearer = '';

function event(routeKey: string, rawPath: string, pathParameters: Record<string, string>, extra: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: {},
    pathParameters,
    isBase64Encoded: false,
    requestContext: { requestId: `req-${routeKey.length}-${Math.random()}`, http: { method: routeKey.split(' ')[0], path: rawPath, sourceIp: '203.0.113.9', protocol: 'HTTP/1.1', userAgent: 't' } } as APIGatewayProxyEventV2['requestContext'],
    ...extra,
  };
}

const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, any>);
const metricLines = () => parsed().filter((l) => '_aws' in l);

/** Checks a document against the EMF specification's shape: every declared metric and dimension has its value. */
function expectEmf(doc: Record<string, any>) {
  expect(doc.message).toBeUndefined();
  expect(typeof doc._aws.Timestamp).toBe('number');
  expect(Math.abs(doc._aws.Timestamp - Date.now())).toBeLessThan(60_000);
  for (const directive of doc._aws.CloudWatchMetrics) {
    expect(directive.Namespace).toBe(METRICS_NAMESPACE);
    expect(directive.Dimensions.length).toBeGreaterThan(0);
    for (const set of directive.Dimensions) for (const name of set) expect(typeof doc[name], `dimension ${name}`).toBe('string');
    for (const metric of directive.Metrics) {
      expect(['Count', 'Milliseconds']).toContain(metric.Unit);
      expect(typeof doc[metric.Name] === 'number' || Array.isArray(doc[metric.Name]), `value of ${metric.Name}`).toBe(true);
    }
  }
}

const directiveOf = (doc: Record<string, any>, metric: string) => doc._aws.CloudWatchMetrics.find((d: any) => d.Metrics.some((m: any) => m.Name === metric));

describe('the metric line of a request', () => {
  it('is one EMF line with requests, latency and the status class by service and by route, plus what the route counted', async () => {
    const res = await handler(event('GET /things/{thingId}', '/things/t1', { thingId: 't1' }), {} as Context);
    expect(res.statusCode).toBe(200);

    const metrics = metricLines();
    expect(metrics).toHaveLength(1);
    const doc = metrics[0];
    expectEmf(doc);
    expect(doc).toMatchObject({ Service: 'tasks', Route: 'GET /things/{thingId}', Requests: 1, Status2xx: 1, ThingsRead: 1, statusCode: 200, route: 'GET /things/{thingId}' });
    expect(doc.requestId).toMatch(/^req-/);
    expect(doc.Latency).toBeGreaterThanOrEqual(0);
    expect(doc.Status4xx).toBeUndefined();
    expect(directiveOf(doc, HttpMetric.requests).Dimensions).toEqual([[Dimension.service], [Dimension.service, Dimension.route]]);
    expect(directiveOf(doc, HttpMetric.latency).Metrics).toContainEqual({ Name: 'Latency', Unit: 'Milliseconds' });
    expect(directiveOf(doc, 'ThingsRead').Dimensions).toEqual([[Dimension.service]]);
  });

  it('counts an error answer by its code and its status class', async () => {
    const res = await handler(event('GET /things/{thingId}', '/things/missing', { thingId: 'missing' }), {} as Context);
    expect(res.statusCode).toBe(404);

    const [doc] = metricLines();
    expectEmf(doc);
    expect(doc).toMatchObject({ Status4xx: 1, ErrorResponses: 1, ErrorCode: 'NOT_FOUND', errorCode: 'NOT_FOUND', statusCode: 404 });
    expect(directiveOf(doc, HttpMetric.errorResponses).Dimensions).toEqual([[Dimension.service, Dimension.errorCode]]);
    expect(parsed().filter((l) => l.level === 'error')).toEqual([]); // an expected error is not an unexpected one
  });

  it('takes its namespace from METRICS_NAMESPACE', () => {
    process.env.METRICS_NAMESPACE = 'GradHelper-staging';
    try {
      const [line] = emfLines([{ name: 'SignUps', unit: 'Count', values: [2], dimensions: { Service: 'auth' }, sets: [['Service']] }], {}, 1);
      expect(JSON.parse(line)._aws.CloudWatchMetrics[0].Namespace).toBe('GradHelper-staging');
    } finally {
      delete process.env.METRICS_NAMESPACE;
    }
  });

  it('writes values that disagree on a dimension (two task statuses) as separate documents, and sums repeated counts', () => {
    const metrics = createMetrics('tasks');
    metrics.count('TaskStatusChanges', { Status: 'pending' });
    metrics.count('TaskStatusChanges', { Status: 'pending' });
    metrics.count('TaskStatusChanges', { Status: 'completed' });
    metrics.flush();

    const docs = metricLines();
    expect(docs.map((d) => [d.Status, d.TaskStatusChanges]).sort()).toEqual([['completed', 1], ['pending', 2]]);
    docs.forEach(expectEmf);
    metrics.flush();
    expect(metricLines()).toHaveLength(2); // a flush starts over: nothing is written twice
  });
});

describe('an unexpected error', () => {
  it('is logged once with its stack, request id, route and user id, the token in its message redacted and no body, and counted by route', async () => {
    const token = await signAccessToken({ id: 'usr_unit', email: 'u@example.test', role: 'student' } as never);
    bearer = token;
    const res = await handler(
      event('POST /things/{thingId}/crash', '/things/t1/crash', { thingId: 't1' }, {
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ note: 'private-body-text' }),
      }),
      {} as Context,
    );
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body as string).error.code).toBe('INTERNAL_SERVER_ERROR');

    const errors = parsed().filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    const [logged] = errors;
    expect(logged).toMatchObject({ message: 'unexpected error', service: 'tasks', route: 'POST /things/{thingId}/crash', userId: 'usr_unit' });
    expect(logged.requestId).toMatch(/^req-/);
    expect(logged.error.message).toBe('cannot parse [redacted]');
    expect(logged.error.stack).toContain('observability-metrics.test.ts');
    const everything = lines.join('\n');
    expect(everything).not.toContain(token);
    expect(everything).not.toContain('private-body-text');

    const [doc] = metricLines();
    expectEmf(doc);
    expect(doc).toMatchObject({ UnexpectedErrors: 1, Status5xx: 1, ErrorCode: 'INTERNAL_SERVER_ERROR', userId: 'usr_unit' });
    expect(directiveOf(doc, HttpMetric.unexpectedErrors).Dimensions).toEqual([[Dimension.service], [Dimension.service, Dimension.route]]);
  });
});

describe('an unexpected error outside the HTTP pipeline', () => {
  it('escaping a scheduled handler is logged once and counted by its event kind, and still thrown for Lambda to retry', async () => {
    const log = createLogger({ service: 'reminders' });
    const handle = instrumented('reminders', log, async (_event: { kind: string }) => {
      throw new Error('table unreachable');
    }, (event) => event.kind);

    await expect(handle({ kind: 'meeting.reminder' })).rejects.toThrow('table unreachable');

    const errors = parsed().filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message: 'unexpected error', service: 'reminders', route: 'meeting.reminder', error: { message: 'table unreachable' } });
    expect(errors[0].error.stack).toContain('observability-metrics.test.ts');
    const [doc] = metricLines();
    expectEmf(doc);
    expect(doc).toMatchObject({ Service: 'reminders', Route: 'meeting.reminder', UnexpectedErrors: 1 });
  });

  it('failing a stream record is logged once with the record and counted, and the record is reported failed', async () => {
    const log = createLogger({ service: 'mailer' });
    const records = [{ eventID: 'ev-1', dynamodb: { SequenceNumber: '111' } }, { eventID: 'ev-2', dynamodb: { SequenceNumber: '222' } }];
    const handle = instrumented('mailer', log, async () =>
      processRecordsInOrder(records, log, async (record) => {
        if (record.eventID === 'ev-1') throw new Error('SES is throttling');
      }),
    );

    const out = await handle({});

    expect(out.batchItemFailures).toEqual([{ itemIdentifier: '111' }]);
    const errors = parsed().filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message: 'unexpected error', eventID: 'ev-1', sequenceNumber: '111', error: { message: 'SES is throttling' } });
    expect(metricLines()).toMatchObject([{ Service: 'mailer', UnexpectedErrors: 1 }]);
  });
});
