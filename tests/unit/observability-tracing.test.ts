// AWS calls as X-Ray subsegments: a UDP socket on a free port stands in for the X-Ray daemon Lambda runs
// beside a traced function; the DynamoDB calls go to DynamoDB Local.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { getDb } from '../../shared/db/client.ts';
import { getStorage } from '../../shared/storage/s3.ts';
import { getStripe } from '../../shared/payments/stripe.ts';
import { traced } from '../../shared/observability/tracing.ts';
import { createLogger, setLogSink } from '../../shared/log.ts';

useTestStack();

const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const PARENT = '53995c3f42cd8ad8';
let daemon: Socket;
let received: string[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  daemon = createSocket('udp4');
  daemon.on('message', (msg) => received.push(msg.toString('utf8')));
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${daemon.address().port}`;
});
afterEach(() => {
  received = [];
  process.env._X_AMZN_TRACE_ID = savedEnv._X_AMZN_TRACE_ID;
  if (savedEnv._X_AMZN_TRACE_ID === undefined) delete process.env._X_AMZN_TRACE_ID;
});
afterAll(() => {
  daemon.close();
  process.env = savedEnv;
});

const settle = () => new Promise((r) => setTimeout(r, 100));

/** The datagram's header line and its subsegment document. */
function parse(datagram: string) {
  const newline = datagram.indexOf('\n');
  return { header: JSON.parse(datagram.slice(0, newline)), doc: JSON.parse(datagram.slice(newline + 1)) };
}

describe('X-Ray subsegments', () => {
  it('a DynamoDB Get in a sampled invocation sends one subsegment under the invocation segment', async () => {
    process.env._X_AMZN_TRACE_ID = `Root=${ROOT};Parent=${PARENT};Sampled=1`;
    const db = getDb();
    const started = Date.now() / 1000;
    await db.doc.send(new GetCommand({ TableName: db.tableName, Key: { pk: 'USER#nobody', sk: 'PROFILE' } }));
    await settle();

    expect(received).toHaveLength(1);
    const { header, doc } = parse(received[0]);
    expect(header).toEqual({ format: 'json', version: 1 });
    expect(doc).toMatchObject({
      trace_id: ROOT,
      parent_id: PARENT,
      type: 'subsegment',
      name: 'DynamoDB',
      namespace: 'aws',
      aws: { operation: 'GetItem', table_name: db.tableName, retries: 0 },
      http: { response: { status: 200 } },
    });
    expect(doc.id).toMatch(/^[0-9a-f]{16}$/);
    expect(doc.start_time).toBeGreaterThanOrEqual(started - 1);
    expect(doc.end_time).toBeGreaterThanOrEqual(doc.start_time);
    expect(doc.fault ?? doc.error).toBeUndefined();
  });

  it('a failed call is marked as an error (4xx) with its exception', async () => {
    process.env._X_AMZN_TRACE_ID = `Root=${ROOT};Parent=${PARENT};Sampled=1`;
    const db = getDb();
    await expect(db.doc.send(new GetCommand({ TableName: 'no-such-table-xray', Key: { pk: 'a', sk: 'b' } }))).rejects.toThrow();
    await settle();

    const { doc } = parse(received[0]);
    expect(doc).toMatchObject({ error: true, http: { response: { status: 400 } }, aws: { operation: 'GetItem', table_name: 'no-such-table-xray' } });
    expect(doc.cause.exceptions[0].type).toBe('ResourceNotFoundException');
  });

  it('an unsampled invocation (Sampled=0) or an untraced one sends nothing', async () => {
    const db = getDb();
    process.env._X_AMZN_TRACE_ID = `Root=${ROOT};Parent=${PARENT};Sampled=0`;
    await db.doc.send(new GetCommand({ TableName: db.tableName, Key: { pk: 'USER#nobody', sk: 'PROFILE' } }));
    await traced('S3', 'PutObject', async () => 'ok');
    delete process.env._X_AMZN_TRACE_ID;
    await db.doc.send(new GetCommand({ TableName: db.tableName, Key: { pk: 'USER#nobody', sk: 'PROFILE' } }));
    await settle();

    expect(received).toEqual([]);
  });

  it('traced() reports a call made without the SDK (a signed fetch) with the fields it is given', async () => {
    process.env._X_AMZN_TRACE_ID = `Root=${ROOT};Parent=${PARENT};Sampled=1`;
    const out = await traced('SES', 'SendEmail', async () => ({ status: 200, messageId: 'm1' }), { configuration_set: 'transactional' });
    await settle();

    expect(out.messageId).toBe('m1');
    const { doc } = parse(received[0]);
    expect(doc).toMatchObject({ name: 'SES', trace_id: ROOT, parent_id: PARENT, aws: { operation: 'SendEmail', configuration_set: 'transactional' }, http: { response: { status: 200 } } });
  });

  it('an S3 call through the signed-request client is a subsegment named as X-Ray names S3, with its operation and bucket', async () => {
    process.env._X_AMZN_TRACE_ID = `Root=${ROOT};Parent=${PARENT};Sampled=1`;
    const storage = getStorage();
    await storage.s3.headBucket({ Bucket: storage.bucket });
    await settle();

    expect(received).toHaveLength(1);
    const { doc } = parse(received[0]);
    expect(doc).toMatchObject({ name: 'S3', namespace: 'aws', trace_id: ROOT, parent_id: PARENT, aws: { operation: 'HeadBucket', bucket_name: storage.bucket }, http: { response: { status: 200 } } });
  });

  it("a Stripe API call is a remote subsegment, timed by the Stripe SDK's own response event (here against the local Stripe emulator)", async () => {
    process.env._X_AMZN_TRACE_ID = `Root=${ROOT};Parent=${PARENT};Sampled=1`;
    const stripe = await getStripe();
    const intent = await stripe.paymentIntents.create({ amount: 1999, currency: 'usd' });
    await settle();

    expect(intent.id).toMatch(/^pi_/);
    const stripeCalls = received.map((d) => parse(d).doc).filter((doc) => doc.name === 'Stripe');
    expect(stripeCalls).toHaveLength(1);
    expect(stripeCalls[0]).toMatchObject({ namespace: 'remote', trace_id: ROOT, parent_id: PARENT, aws: { operation: 'POST /v1/payment_intents' }, http: { response: { status: 200 } } });
    expect(stripeCalls[0].end_time).toBeGreaterThanOrEqual(stripeCalls[0].start_time);
  });

  it("puts the invocation's trace id on every log line, so a line leads to its trace", () => {
    const lines: string[] = [];
    setLogSink((line) => lines.push(line));
    process.env.LOG_LEVEL = 'info';
    try {
      process.env._X_AMZN_TRACE_ID = `Root=${ROOT};Parent=${PARENT};Sampled=0`;
      createLogger({ service: 'tasks' }).info('hello');
      delete process.env._X_AMZN_TRACE_ID;
      createLogger({ service: 'tasks' }).info('untraced');
    } finally {
      setLogSink(undefined);
      process.env.LOG_LEVEL = savedEnv.LOG_LEVEL;
    }
    expect(JSON.parse(lines[0]).traceId).toBe(ROOT);
    expect(JSON.parse(lines[1]).traceId).toBeUndefined();
  });
});
