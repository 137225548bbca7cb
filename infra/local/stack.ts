// The whole API on one machine: DynamoDB Local, the S3 emulator and the gateway, wired through the same
// environment variables the Lambdas get in AWS. `npm start` and every integration test use this.
import { mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { allRoutes } from '../../shared/contract/index.ts';
import { resetConfigForTests } from '../../shared/config.ts';
import { startDynamoDbLocal, ensureTable, type DynamoDbLocal } from './dynamodb-local.ts';
import { startS3Emulator, ensureBucket, S3RVER_CREDENTIALS, type S3Emulator } from './s3-emulator.ts';
import { startGateway, API_BASE_PATH, type Gateway, type GatewayExtension } from './gateway.ts';
import { localExtensions } from './extensions.ts';
import { STRIPE_EMULATOR_PATH } from './stripe-api.ts';
import { resetStripeForTests } from '../../shared/payments/stripe.ts';
import { startStreamPollers, type StreamFailure, type StreamPollers } from './streams.ts';
import { createTtlSweeper, TtlDeletions, type TtlSweeper } from './ttl.ts';
import { streamSubscriptions } from '../../shared/streams/subscriptions.ts';
import { installLocalLogFiles } from './logs.ts';
import { resetLogReaderForTests } from '../../shared/system-logs/source.ts';

export interface LocalStackOptions {
  /** Folder for persistent state (database files, S3 objects, outbox). */
  stateDir: string;
  /** Gateway port; 0 picks a free one. */
  port: number;
  /** Reuse emulators that are already running (tests share one of each). */
  dynamoEndpoint?: string;
  s3Endpoint?: string;
  /** Keep DynamoDB data on disk under stateDir (npm start) instead of in memory. */
  persistent?: boolean;
  tableName?: string;
  bucketName?: string;
  /** Extra environment for the handlers (rate limits, feature switches). */
  env?: Record<string, string>;
  /** Run the local TTL process every this many seconds (npm start); without it TTL runs only on `runTtl`. */
  ttlSweepSeconds?: number;
  onRequest?: (line: { method: string; path: string; status: number; ms: number }) => void;
}

export interface LocalStack {
  apiUrl: string;
  wsUrl: string;
  gatewayUrl: string;
  port: number;
  dynamoEndpoint: string;
  s3Endpoint: string;
  tableName: string;
  bucketName: string;
  stateDir: string;
  outboxDir: string;
  /**
   * Resolves once the stream consumers (the mailer, the file expiry) have handled everything written so far:
   * mail written by a request is in the outbox folder after this.
   */
  settleStreams(): Promise<void>;
  /** What the local TTL process would delete at `at` (default now) is deleted, as TTL does (see infra/local/ttl.ts). */
  runTtl(at?: Date): Promise<number>;
  /** Stream batches given up after their last retry (the local on-failure queue). */
  streamFailures(): StreamFailure[];
  stop(): Promise<void>;
}

/** Written to `<stateDir>/endpoints.json` while the stack runs, removed when it stops. */
export interface LocalEndpoints {
  dynamoEndpoint: string;
  s3Endpoint: string;
  tableName: string;
  bucketName: string;
  apiUrl: string;
}

export const ENDPOINTS_FILE = 'endpoints.json';

/** The key the functions use against the local Stripe emulator. */
export const EMULATED_STRIPE_KEY = 'sk_test_local_emulator';

/** The signing secret persists with the state so tokens survive a restart of `npm start`. */
function localJwtSecret(stateDir: string): string {
  const file = join(stateDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** The local webhook signing secret (STRIPE_WEBHOOK_SECRET wins), kept with the state like the JWT key. */
function localStripeWebhookSecret(stateDir: string): string {
  const file = join(stateDir, 'stripe-webhook-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const stateDir = resolve(options.stateDir);
  mkdirSync(stateDir, { recursive: true });
  const tableName = options.tableName ?? 'gradhelper-local';
  const bucketName = options.bucketName ?? 'gradhelper-local-files';
  const outboxDir = join(stateDir, 'outbox');
  mkdirSync(outboxDir, { recursive: true });

  let dynamo: DynamoDbLocal | undefined;
  let s3: S3Emulator | undefined;
  const extensions: GatewayExtension[] = [];
  let gateway: Gateway | undefined;
  let pollers: StreamPollers | undefined;
  let sweeper: TtlSweeper | undefined;
  let uninstallLogFiles: (() => void) | undefined;
  try {
    const dynamoEndpoint = options.dynamoEndpoint ?? (dynamo = await startDynamoDbLocal({ dbPath: options.persistent ? join(stateDir, 'dynamodb') : undefined })).endpoint;
    const s3Endpoint = options.s3Endpoint ?? (s3 = await startS3Emulator({ directory: join(stateDir, 's3'), buckets: [bucketName] })).endpoint;
    await ensureTable(dynamoEndpoint, tableName);
    await ensureBucket(s3Endpoint, bucketName);

    // Reserve the port first so every URL handed to the handlers is known before they load.
    const { freePort } = await import('./ports.ts');
    const port = options.port || (await freePort());
    const gatewayUrl = `http://localhost:${port}`;
    Object.assign(process.env, {
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
      AWS_ENDPOINT_URL_S3: s3Endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      TABLE_NAME: tableName,
      BUCKET_NAME: bucketName,
      API_URL: `${gatewayUrl}${API_BASE_PATH}`,
      WEBSOCKET_ENDPOINT: gatewayUrl,
      AWS_ENDPOINT_URL_LAMBDA: gatewayUrl,
      FANOUT_FUNCTION_NAME: 'fanout',
      AWS_ENDPOINT_URL_SCHEDULER: gatewayUrl,
      SCHEDULE_GROUP_NAME: 'gradhelper-local',
      SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/gradhelper-local-scheduler',
      // Meeting schedules invoke functions/reminders/handler.ts through the Scheduler emulator.
      REMINDERS_FUNCTION_ARN: 'arn:aws:lambda:local:000000000000:function:reminders',
      JWT_SECRET: process.env.JWT_SECRET ?? localJwtSecret(stateDir),
      MAIL_OUTBOX_DIR: outboxDir,
      LOCAL_STATE_DIR: stateDir,
      // Each function's log lines are filed under <stateDir>/logs (infra/local/logs.ts); GET /admin/system-logs reads them there.
      SYSTEM_LOG_SOURCE: 'files',
      SYSTEM_LOG_DIR: join(stateDir, 'logs'),
      ...options.env,
    });
    // No Stripe key: Stripe is emulated on the gateway. With STRIPE_SECRET_KEY, the real (test-mode) Stripe is
    // used and its events reach the webhook through `stripe listen --forward-to` (README).
    const emulateStripe = !process.env.STRIPE_SECRET_KEY || process.env.STRIPE_SECRET_KEY === EMULATED_STRIPE_KEY;
    process.env.STRIPE_WEBHOOK_SECRET = options.env?.STRIPE_WEBHOOK_SECRET ?? process.env.STRIPE_WEBHOOK_SECRET ?? localStripeWebhookSecret(stateDir);
    if (emulateStripe) {
      process.env.STRIPE_SECRET_KEY = EMULATED_STRIPE_KEY;
      process.env.STRIPE_API_URL = `${gatewayUrl}${STRIPE_EMULATOR_PATH}`;
    }
    resetConfigForTests();
    resetStripeForTests();
    resetLogReaderForTests();
    uninstallLogFiles = installLocalLogFiles(process.env.SYSTEM_LOG_DIR!, { console: process.env.LOCAL_LOG_CONSOLE !== 'false' });

    extensions.push(...(await localExtensions({ gatewayUrl, stateDir, ...(emulateStripe ? { stripeWebhookSecret: process.env.STRIPE_WEBHOOK_SECRET } : {}) })));
    gateway = await startGateway({ port, routes: allRoutes, extensions, onRequest: options.onRequest });
    const g = gateway;
    // The table's stream drives the mailer and the file expiry, as event source mappings do in AWS.
    const ttlDeletions = new TtlDeletions();
    const streams = (pollers = await startStreamPollers({ endpoint: dynamoEndpoint, tableName, subscriptions: streamSubscriptions, ttlDeletions, stateDir }));
    const ttl = (sweeper = createTtlSweeper({
      endpoint: dynamoEndpoint,
      tableName,
      deletions: ttlDeletions,
      intervalMs: options.ttlSweepSeconds ? options.ttlSweepSeconds * 1000 : undefined,
    }));
    // Scripts run beside the stack (npm run create-admin) find its emulators and table here.
    const endpointsFile = join(stateDir, ENDPOINTS_FILE);
    const endpoints: LocalEndpoints = { dynamoEndpoint, s3Endpoint, tableName, bucketName, apiUrl: `${gatewayUrl}${API_BASE_PATH}` };
    writeFileSync(endpointsFile, JSON.stringify(endpoints, null, 2));
    return {
      apiUrl: `${gatewayUrl}${API_BASE_PATH}`,
      wsUrl: `ws://localhost:${port}/ws`,
      gatewayUrl,
      port,
      dynamoEndpoint,
      s3Endpoint,
      tableName,
      bucketName,
      stateDir,
      outboxDir,
      settleStreams: () => streams.settle(),
      runTtl: (at) => ttl.sweep(at),
      streamFailures: () => streams.failures(),
      stop: async () => {
        rmSync(endpointsFile, { force: true });
        await ttl.close();
        await streams.close();
        await g.close();
        await s3?.stop();
        await dynamo?.stop();
        uninstallLogFiles?.();
      },
    };
  } catch (err) {
    await sweeper?.close();
    await pollers?.close();
    uninstallLogFiles?.();
    await gateway?.close();
    await s3?.stop();
    await dynamo?.stop();
    throw err;
  }
}
