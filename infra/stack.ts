// The whole product in one stack: the table, the files bucket, the JWT signing secret, the HTTP API with
// one Lambda per endpoint group of shared/contract, and the WebSocket API with its realtime function.
// What each function may touch comes from infra/permissions.ts; nothing here lists routes or grants by hand.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contract as sharedContract } from '../shared/contract/index.ts';
import type { RouteDef } from '../shared/http/contract.ts';
import { readDeployConfig, type DeployConfig, type DeployConfigOverrides } from './config.ts';
import { checkPermissionsCoverRoutes, functionPermissions, permissionsOf, type FunctionPermissions } from './permissions.ts';
import { AsyncFailureQueue } from './constructs/async-failures.ts';
import { ContractHttpApi } from './constructs/http-api.ts';
import { JwtSigningSecret } from './constructs/jwt-secret.ts';
import { Mailer } from './constructs/mailer.ts';
import { Operations, type DeadLetterQueue } from './constructs/operations.ts';
import { ProjectFunction } from './constructs/project-function.ts';
import { ReminderScheduler } from './constructs/scheduler.ts';
import { StripeSecrets } from './constructs/stripe-secrets.ts';
import { FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import { FileStorage } from './constructs/storage.ts';
import { AppTable } from './constructs/table.ts';
import { TableStreamSubscription } from './constructs/table-stream.ts';
import { streamSubscriptions, type StreamSubscription } from '../shared/streams/subscriptions.ts';
import { RealtimeApi } from './constructs/websocket-api.ts';
import { METRICS_NAMESPACE } from '../shared/observability/metric-names.ts';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** functions/<name>/handler.ts */
export const defaultHandlerEntry = (fn: string) => join(PROJECT_ROOT, 'functions', fn, 'handler.ts');

const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export interface GradHelperStackProps extends StackProps {
  /** Overrides of the CDK-context settings (infra/config.ts), alarm thresholds one by one. */
  config?: DeployConfigOverrides;
  /** Endpoint groups and their routes; default: shared/contract. */
  contract?: Record<string, Record<string, RouteDef>>;
  /** Default: infra/permissions.ts. */
  permissions?: Partial<Record<string, FunctionPermissions>>;
  /** Where each function's handler module is; default functions/<name>/handler.ts. */
  handlerEntry?: (fn: string) => string;
  /** Deploy the WebSocket API and the realtime function (default true; tests of the HTTP side may leave it out). */
  realtime?: boolean;
  /** The functions fed by the table's stream; default shared/streams/subscriptions.ts. */
  streamSubscriptions?: readonly StreamSubscription[];
  /** false: stub code instead of esbuild bundles (fast infrastructure tests). Default true. */
  bundle?: boolean;
}

export class GradHelperStack extends Stack {
  readonly config: DeployConfig;
  readonly table: AppTable;
  readonly storage: FileStorage;
  readonly jwtSecret: JwtSigningSecret;
  readonly httpApi: ContractHttpApi;
  readonly realtimeApi?: RealtimeApi;
  /** Every Lambda by endpoint group name (plus `realtime`, `fanout` and the stream consumers). */
  readonly functions = new Map<string, ProjectFunction>();
  /** The event source mapping and failure queue of each stream consumer, by function name. */
  readonly streamSubscriptions = new Map<string, TableStreamSubscription>();
  readonly mailer: Mailer;
  /** The fan-out function's failed asynchronous invocations. */
  readonly fanOutFailures?: AsyncFailureQueue;
  /** The alarm topic, the alarms and the dashboard. */
  readonly operations: Operations;
  private scheduler?: ReminderScheduler;
  private stripeSecrets?: StripeSecrets;
  /** The schedule group, its invoke role and dead-letter queue, once some function schedules. */
  get schedulerConstruct(): ReminderScheduler | undefined {
    return this.scheduler;
  }

  constructor(scope: Construct, id: string, props: GradHelperStackProps = {}) {
    super(scope, id, { description: 'GradHelper backend: HTTP + WebSocket APIs, one DynamoDB table, one S3 bucket', ...props });
    const config = (this.config = readDeployConfig(this, props.config));
    if (!LOG_RETENTION_DAYS.includes(config.logRetentionDays)) {
      throw new Error(`logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
    }
    const logRetention = config.logRetentionDays as logs.RetentionDays;
    const contract = props.contract ?? sharedContract;
    const permissions = props.permissions ?? functionPermissions;
    const handlerEntry = props.handlerEntry ?? defaultHandlerEntry;
    const includeRealtime = props.realtime ?? true;

    this.table = new AppTable(this, 'data');
    this.storage = new FileStorage(this, 'storage', { allowedOrigins: config.allowedOrigins, versioning: config.bucketVersioning });
    this.jwtSecret = new JwtSigningSecret(this, 'jwt-signing-key');
    const mailer = (this.mailer = new Mailer(this, 'mail', { mailFrom: config.mailFrom }));
    this.httpApi = new ContractHttpApi(this, 'http-api', { allowedOrigins: config.allowedOrigins, throttle: config.throttle, logRetention });
    if (includeRealtime) this.realtimeApi = new RealtimeApi(this, 'websocket-api', { throttle: config.throttle });

    // Every function validates this set at cold start (shared/config.ts), used or not; permissions come from bind*.
    const environment: Record<string, string> = {
      TABLE_NAME: this.table.table.tableName,
      BUCKET_NAME: this.storage.bucket.bucketName,
      JWT_SECRET_ARN: this.jwtSecret.secret.secretArn,
      APP_URL: config.appUrl,
      API_URL: this.httpApi.baseUrl,
      CORS_ORIGINS: config.allowedOrigins.join(','),
      MAIL_FROM: config.mailFrom,
      GOOGLE_CLIENT_ID: config.googleClientId,
      RATE_LIMIT_GENERAL_PER_MINUTE: String(config.rateLimits.generalPerMinute),
      RATE_LIMIT_UPLOAD_PER_MINUTE: String(config.rateLimits.uploadPerMinute),
      RATE_LIMIT_CHAT_PER_MINUTE: String(config.rateLimits.chatPerMinute),
      RATE_LIMIT_AUTH_PER_MINUTE: String(config.rateLimits.authPerMinute),
      RATE_LIMIT_SESSION_PER_MINUTE: String(config.rateLimits.sessionPerMinute),
      STORAGE_QUOTA_BYTES: String(config.storageQuotaBytes),
      UNATTACHED_FILE_TTL_SECONDS: String(config.unattachedFileTtlSeconds),
      LOG_LEVEL: 'info',
      // The namespace of the embedded-metric lines (shared/observability/metric-names.ts), which the alarms read.
      METRICS_NAMESPACE,
    };

    let fanOut: ProjectFunction | undefined;
    const makeFunction = (name: string, entry: string, perms: FunctionPermissions) => {
      const fn = new ProjectFunction(this, `${name}-function`, {
        name,
        entry,
        projectRoot: PROJECT_ROOT,
        environment,
        logRetention,
        memoryMb: perms.memoryMb,
        timeoutSeconds: perms.timeoutSeconds,
        bundle: props.bundle,
        readsSecrets: Boolean(perms.jwtSecret || perms.stripe),
      });
      if (perms.table !== 'none') fn.bindTable(this.table, perms.table, perms.tableKeys);
      if (perms.bucket) fn.bindBucket(this.storage.bucket, perms.bucket.prefixes, perms.bucket.access);
      if (perms.jwtSecret) fn.bindSecret(this.jwtSecret.secret);
      if (perms.ses) fn.bindSes(mailer);
      if (perms.websocket && this.realtimeApi) this.realtimeApi.bind(fn);
      if (perms.fanOut && fanOut) fn.bindFanOut(fanOut);
      if (perms.scheduler) {
        const targetName = typeof perms.scheduler === 'object' ? perms.scheduler.target : name;
        const target = targetName === name ? fn : this.functions.get(targetName);
        if (!target) throw new Error(`infra/permissions.ts: "${name}" schedules the function "${targetName}", which is made after it or not at all`);
        (this.scheduler ??= new ReminderScheduler(this, 'reminders')).allow(fn, target);
      }
      if (perms.stripe) fn.bindStripe((this.stripeSecrets ??= new StripeSecrets(this, 'stripe')), perms.stripe);
      if (perms.functionUrl) {
        // Stripe signs every delivery; the handler checks the signature on the raw body before anything else.
        const url = fn.function.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
        new CfnOutput(this, name === 'webhook' ? 'StripeWebhookUrl' : `${name}FunctionUrl`, {
          value: url.url,
          description: name === 'webhook' ? 'Register this URL as the Stripe webhook endpoint (docs/deploy.md)' : `Function URL of ${name}`,
        });
      }
      fn.acknowledge(
        'AwsSolutions-L1',
        'Pinned to Node.js 22 (LTS), the runtime the bundles target and the design names; Node.js 24 becomes the runtime through a deliberate upgrade of runtime, esbuild target and CI together, not by a linter.',
      );
      this.functions.set(name, fn);
      return fn;
    };

    // Broadcast jobs run here, invoked asynchronously by the functions whose map entry says fanOut.
    if (this.realtimeApi) fanOut = makeFunction('fanout', handlerEntry('fanout'), permissionsOf('fanout', permissions));
    if (fanOut) this.fanOutFailures = new AsyncFailureQueue(this, 'fanout-failures', { fn: fanOut });

    // Meeting schedules invoke the reminders function (made before the meetings function, which targets it); a
    // recurring schedule has it repair the schedules a failed Scheduler call left wrong.
    if (this.realtimeApi && permissions.reminders && Object.keys(contract.meetings ?? {}).length > 0) {
      const reminders = makeFunction('reminders', handlerEntry('reminders'), permissionsOf('reminders', permissions));
      this.scheduler?.recurring('reconcile-meetings', reminders, 'rate(15 minutes)', { kind: 'meeting.reconcile' });
    }

    // One Lambda per endpoint group that has routes; groups without routes yet deploy nothing.
    for (const [name, routes] of Object.entries(contract)) {
      const routeList = Object.values(routes);
      if (routeList.length === 0) continue;
      const entry = handlerEntry(name);
      if (!existsSync(entry)) throw new Error(`shared/contract declares routes for "${name}" but ${entry} does not exist`);
      const perms = permissionsOf(name, permissions);
      checkPermissionsCoverRoutes(name, perms, routeList);
      this.httpApi.addContractRoutes(makeFunction(name, entry, perms), routes);
    }

    // Unmatched requests get the spec's 404 envelope from the system function.
    if (this.functions.has('system')) this.httpApi.addNotFoundRoute(this.functions.get('system')!);

    if (this.realtimeApi) {
      this.realtimeApi.addRoutes(makeFunction('realtime', handlerEntry('realtime'), permissionsOf('realtime', permissions)));
    }

    // The table's stream consumers (mail, expired files), each with its filters and failure queue.
    const subscriptions = props.streamSubscriptions ?? streamSubscriptions;
    for (const subscription of subscriptions) {
      const perms = permissionsOf(subscription.function, permissions);
      if (!perms.tableStream) throw new Error(`infra/permissions.ts: "${subscription.function}" reads the table's stream but its entry lacks tableStream`);
      const fn = makeFunction(subscription.function, handlerEntry(subscription.function), perms);
      this.streamSubscriptions.set(subscription.function, new TableStreamSubscription(this, `${subscription.function}-stream`, { table: this.table, fn, subscription }));
    }
    for (const [name, perms] of Object.entries(permissions)) {
      if (perms?.tableStream && !subscriptions.some((s) => s.function === name)) {
        throw new Error(`infra/permissions.ts: "${name}" has tableStream but no entry in shared/streams/subscriptions.ts`);
      }
    }
    // After every function exists: the system-logs reader reads all their log groups (its own included).
    for (const [name, fn] of this.functions) {
      if (permissionsOf(name, permissions).systemLogs) fn.bindLogReader(this.functions, config.logRetentionDays);
    }

    this.operations = new Operations(this, 'operations', {
      thresholds: config.alarms,
      alarmEmail: config.alarmEmail,
      functions: this.functions,
      httpApi: this.httpApi,
      table: this.table,
      mailer,
      deadLetterQueues: this.deadLetterQueues(),
      webhook: this.functions.get('webhook'),
    });

    new CfnOutput(this, 'AlarmTopicArn', { value: this.operations.topic.topicArn, description: 'Every alarm notifies this SNS topic: subscribe to it (docs/operations.md)' });
    new CfnOutput(this, 'HttpApiUrl', { value: this.httpApi.baseUrl, description: 'HTTP API base URL (the frontend API_URL)' });
    if (this.realtimeApi) {
      new CfnOutput(this, 'WebSocketUrl', { value: this.realtimeApi.url, description: 'WebSocket URL; connect with ?token=<access token>' });
    }
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName, description: 'DynamoDB table (npm run create-admin -- --table <this>)' });
    new CfnOutput(this, 'BucketName', { value: this.storage.bucket.bucketName, description: 'Private files bucket' });
    new CfnOutput(this, 'JwtSecretArn', { value: this.jwtSecret.secret.secretArn, description: 'Access-token signing key in Secrets Manager' });
    if (this.stripeSecrets) {
      new CfnOutput(this, 'StripeSecretKeyArn', { value: this.stripeSecrets.secretKey.secretArn, description: 'Put the Stripe API secret key here (docs/deploy.md)' });
      new CfnOutput(this, 'StripeWebhookSecretArn', { value: this.stripeSecrets.webhookSecret.secretArn, description: "Put the webhook endpoint's signing secret here (docs/deploy.md)" });
    }

  }

  /** Every queue of this stack that holds failed work, with what it holds and what to do (the alarms' descriptions). */
  private deadLetterQueues(): DeadLetterQueue[] {
    const queues: DeadLetterQueue[] = [];
    for (const [fn, subscription] of this.streamSubscriptions) {
      queues.push({
        name: `${fn}-stream`,
        queue: subscription.failureQueue,
        holds:
          `descriptions of table-stream batches the ${fn} function gave up on (shard, sequence numbers, error)${fn === 'mailer' ? ': mail that was not sent; the outbox items stay unsent in the table' : ''}. ` +
          `Read the error in the message and the ${fn} log lines of that time (docs/operations.md), fix the cause, then re-run the records (docs/operations.md, redrive).`,
      });
    }
    if (this.scheduler) {
      queues.push({
        name: 'schedules',
        queue: this.scheduler.deadLetterQueue,
        holds:
          'schedule invocations (bill due dates, meeting reminders and ends, the reconcile) that failed every retry, and failed asynchronous invocations of their target functions: a bill not marked overdue, a reminder not sent. ' +
          'The message names the schedule and target; check the target function\'s logs, then re-invoke it with the message\'s input.',
      });
    }
    if (this.fanOutFailures) {
      queues.push({
        name: 'fanout',
        queue: this.fanOutFailures.queue,
        holds:
          'broadcast jobs (announcements to a whole audience) the fan-out function failed three times: their audience got no push. ' +
          'The message holds the job and the error; fix the cause, then invoke the fan-out function with the job (docs/operations.md).',
      });
    }
    return queues;
  }
}
