// The synthesized CloudFormation template of the AWS stack: routes from the contract, one function per
// endpoint group, the data stores, least privilege per infra/permissions.ts, and cdk-nag AwsSolutions.
import { beforeAll, describe, expect, it } from 'vitest';
import { Validations, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { allRoutes } from '../../shared/contract/index.ts';
import { routeKey } from '../../shared/http/contract.ts';
import { tableDefinition } from '../../shared/db/table.ts';
import { streamSubscriptions } from '../../shared/streams/subscriptions.ts';
import { getConfig, resetConfigForTests } from '../../shared/config.ts';
import { functionPermissions, nonHttpFunctionNames, type FunctionPermissions } from '../../infra/permissions.ts';
import type { GradHelperStack } from '../../infra/stack.ts';
import { buildTestStack, TEST_CONFIG } from './fixture.ts';
import { REPORT_PREFIX } from '../../infra/constructs/storage.ts';
import { REPORT_PREFIX as REPORT_KEY_PREFIX } from '../../functions/reports/report.ts';

let stack: GradHelperStack;
let template: Template;

beforeAll(() => {
  ({ stack, template } = buildTestStack());
});

// ---- helpers --------------------------------------------------------------------------------------------

type Json = any; // CloudFormation fragments

const logicalIdOf = (s: Stack, c: IConstruct) => s.getLogicalId((c.node.defaultChild ?? c) as CfnElement);
const resourcesOf = (type: string): Record<string, Json> => template.findResources(type);
const fnNames = () => [...stack.functions.keys()];
const fnResource = (fn: string) => resourcesOf('AWS::Lambda::Function')[logicalIdOf(stack, stack.functions.get(fn)!.function)];
const env = (fn: string): Record<string, Json> => fnResource(fn).Properties.Environment.Variables;

/** Renders Ref/GetAtt/Join the way cdk-nag prints them: `<Id>`, `<Id.Attr>`, concatenated. */
function flat(value: Json): string {
  if (typeof value === 'string') return value;
  if (value?.Ref) return `<${value.Ref}>`;
  if (value?.['Fn::GetAtt']) return `<${value['Fn::GetAtt'].join('.')}>`;
  if (value?.['Fn::Join']) return value['Fn::Join'][1].map(flat).join(value['Fn::Join'][0]);
  return JSON.stringify(value);
}

interface Grant {
  action: string;
  resource: string;
  condition?: Json;
}

/** Every (action, resource) the role of `fn` is allowed, from all policies attached to it. */
function grantsOf(fn: string): Grant[] {
  const roleId = logicalIdOf(stack, stack.functions.get(fn)!.role);
  const grants: Grant[] = [];
  for (const policy of Object.values(resourcesOf('AWS::IAM::Policy'))) {
    if (!policy.Properties.Roles.some((r: Json) => r.Ref === roleId)) continue;
    for (const st of policy.Properties.PolicyDocument.Statement) {
      expect(st.Effect).toBe('Allow');
      for (const action of [st.Action].flat()) {
        for (const resource of [st.Resource].flat()) grants.push({ action, resource: flat(resource), condition: st.Condition });
      }
    }
  }
  return grants;
}

/** Functions some schedule invokes: targets named in infra/permissions.ts, and functions scheduling themselves. */
const isScheduleTarget = (fn: string) =>
  Object.entries(functionPermissions).some(([name, e]) => (e.scheduler === true && name === fn) || (typeof e.scheduler === 'object' && e.scheduler.target === fn));

const actionsOf = (fn: string) => new Set(grantsOf(fn).map((g) => g.action));

/** What each capability of infra/permissions.ts means in IAM actions (the specification of bind*). */
function expectedActions(fn: string, entry: FunctionPermissions): Set<string> {
  // Every function is traced (active tracing sends its segments to X-Ray).
  const actions = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
  if (entry.table !== 'none') actions.push('dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem');
  if (entry.table === 'readwrite') actions.push('dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem');
  if (entry.bucket) {
    actions.push('s3:ListBucket');
    if (entry.bucket.prefixes.length > 0 && entry.bucket.access === 'delete') actions.push('s3:DeleteObject');
    if (entry.bucket.prefixes.length > 0 && entry.bucket.access !== 'delete') actions.push('s3:GetObject');
    if (entry.bucket.prefixes.length > 0 && entry.bucket.access === 'readwrite') actions.push('s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload');
  }
  if (entry.jwtSecret || entry.stripe) actions.push('secretsmanager:GetSecretValue');
  if (entry.ses) actions.push('ses:SendEmail');
  if (entry.websocket) actions.push('execute-api:ManageConnections');
  if (entry.fanOut) actions.push('lambda:InvokeFunction');
  if (entry.systemLogs) actions.push('logs:FilterLogEvents');
  if (entry.scheduler) actions.push('scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule', 'iam:PassRole');
  // A function schedules invoke sends its failed asynchronous invocations to the schedules' dead-letter queue; the
  // fan-out function (invoked asynchronously by the request) to its own on-failure queue.
  if (isScheduleTarget(fn) || fn === 'fanout') actions.push('sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl');
  if (entry.tableStream) {
    actions.push('dynamodb:ListStreams', 'dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator');
    actions.push('sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl');
  }
  return new Set(actions);
}

const idOf = (c: IConstruct) => logicalIdOf(stack, c);
const isNonHttp = (fn: string) => (nonHttpFunctionNames as readonly string[]).includes(fn);

// ---- HTTP API ------------------------------------------------------------------------------------------

describe('HTTP API', () => {
  it.each(allRoutes.map((r) => [routeKey(r), r.fn]))('%s is a route integrated with the %s function', (key, fn) => {
    const apiId = idOf(stack.httpApi.api);
    const routes = Object.values(resourcesOf('AWS::ApiGatewayV2::Route')).filter(
      (r) => r.Properties.RouteKey === key && r.Properties.ApiId.Ref === apiId,
    );
    expect(routes).toHaveLength(1);
    const integrationId = flat(routes[0].Properties.Target).match(/^integrations\/<(\w+)>$/)?.[1];
    const integration = resourcesOf('AWS::ApiGatewayV2::Integration')[integrationId!];
    expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    expect(integration.Properties.IntegrationUri).toEqual({ 'Fn::GetAtt': [idOf(stack.functions.get(fn)!.function), 'Arn'] });
  });

  it('has no route that the contract does not declare, besides the $default catch-all', () => {
    const apiId = idOf(stack.httpApi.api);
    const deployed = Object.values(resourcesOf('AWS::ApiGatewayV2::Route'))
      .filter((r) => r.Properties.ApiId.Ref === apiId)
      .map((r) => r.Properties.RouteKey)
      .filter((k: string) => !k.includes('/infra-test-placeholder/'));
    expect(deployed.sort()).toEqual([...allRoutes.map(routeKey), '$default'].sort());
  });

  it('sends unmatched requests ($default) to the system function, which answers the 404 envelope', () => {
    const apiId = idOf(stack.httpApi.api);
    const [catchAll] = Object.values(resourcesOf('AWS::ApiGatewayV2::Route')).filter(
      (r) => r.Properties.ApiId.Ref === apiId && r.Properties.RouteKey === '$default',
    );
    const integrationId = flat(catchAll.Properties.Target).match(/^integrations\/<(\w+)>$/)?.[1];
    const integration = resourcesOf('AWS::ApiGatewayV2::Integration')[integrationId!];
    expect(integration.Properties.IntegrationUri).toEqual({ 'Fn::GetAtt': [idOf(stack.functions.get('system')!.function), 'Arn'] });
  });

  it('serves stage v1 with access logs in JSON and a default throttle', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: idOf(stack.httpApi.api) },
      StageName: 'v1',
      AutoDeploy: true,
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [idOf(stack.httpApi.accessLogs), 'Arn'] }, Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
    });
  });

  it('answers CORS preflight for the configured origins only', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: {
        AllowOrigins: TEST_CONFIG.allowedOrigins,
        AllowHeaders: Match.arrayWith(['authorization', 'content-type']),
        AllowCredentials: true,
      },
    });
  });

  it('lets browsers send Idempotency-Key and read whether an answer was replayed', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: { AllowHeaders: Match.arrayWith(['idempotency-key']), ExposeHeaders: Match.arrayWith(['retry-after', 'idempotent-replayed']) },
    });
  });

  it('lets API Gateway invoke each function through one permission scoped to this API', () => {
    for (const fn of fnNames().filter((f) => !isNonHttp(f))) {
      // (A function with a Function URL also has the URL's public-invoke permissions, which carry no SourceArn.)
      const permissions = Object.values(resourcesOf('AWS::Lambda::Permission')).filter(
        (p) => p.Properties.FunctionName?.['Fn::GetAtt']?.[0] === idOf(stack.functions.get(fn)!.function) && p.Properties.SourceArn,
      );
      expect(permissions, fn).toHaveLength(1);
      expect(flat(permissions[0].Properties.SourceArn)).toContain(`<${idOf(stack.httpApi.api)}>/*`);
    }
  });
});

// ---- Functions -----------------------------------------------------------------------------------------

describe('functions', () => {
  it('are one per endpoint group with routes, plus realtime and fanout', () => {
    const groups = Object.keys(functionPermissions).filter((f) => !isNonHttp(f));
    expect(fnNames().sort()).toEqual([...groups, ...nonHttpFunctionNames].sort());
    expect(Object.keys(resourcesOf('AWS::Lambda::Function'))).toHaveLength(groups.length + nonHttpFunctionNames.length);
  });

  it('lets only the functions whose map entry says fanOut invoke the fan-out function, and nothing else', () => {
    const fanOutArn = `<${idOf(stack.functions.get('fanout')!.function)}.Arn>`;
    for (const fn of fnNames()) {
      const invokes = grantsOf(fn).filter((g) => g.action === 'lambda:InvokeFunction');
      if (functionPermissions[fn as keyof typeof functionPermissions].fanOut) {
        expect(invokes.map((g) => g.resource), fn).toEqual([fanOutArn]);
        expect(flat(env(fn).FANOUT_FUNCTION_NAME), fn).toContain(idOf(stack.functions.get('fanout')!.function));
      } else {
        expect(invokes, fn).toEqual([]);
      }
    }
  });

  it.each(Object.keys(functionPermissions))('%s runs on Node.js 22 on arm64 with its own log group', (fn) => {
    const props = fnResource(fn).Properties;
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.Architectures).toEqual(['arm64']);
    expect(props.LoggingConfig.LogGroup).toEqual({ Ref: idOf(stack.functions.get(fn)!.logGroup) });
    // HTTP functions stay under the HTTP API's integration timeout; asynchronous jobs may run for minutes.
    expect(props.Timeout).toBeLessThanOrEqual(isNonHttp(fn) && fn !== 'realtime' ? 900 : 29);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it.each(Object.keys(functionPermissions))('%s gets an environment that shared/config.ts accepts at cold start', (fn) => {
    const vars = env(fn);
    expect(Object.keys(vars)).toEqual(expect.arrayContaining(['TABLE_NAME', 'BUCKET_NAME', 'JWT_SECRET_ARN', 'APP_URL', 'API_URL', 'MAIL_FROM', 'GOOGLE_CLIENT_ID', 'CORS_ORIGINS', 'RATE_LIMIT_AUTH_PER_MINUTE']));
    expect(flat(vars.API_URL)).toBe(`<${idOf(stack.httpApi.api)}.ApiEndpoint>/v1`);
    expect(vars.APP_URL).toBe(TEST_CONFIG.appUrl);
    expect(vars.CORS_ORIGINS).toBe(TEST_CONFIG.allowedOrigins.join(','));
    // Deploy-time references stand in as plausible values; the literal settings are checked as they are.
    const resolved = Object.fromEntries(
      Object.entries(vars).map(([k, v]) => [k, typeof v === 'string' ? v : /URL|ENDPOINT/.test(k) ? 'https://deployed.example.com/v1' : 'deployed-value']),
    );
    const saved = { ...process.env };
    try {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, resolved);
      delete process.env.JWT_SECRET;
      resetConfigForTests();
      expect(() => getConfig()).not.toThrow();
    } finally {
      process.env = saved;
      resetConfigForTests();
    }
  });

  it('give WEBSOCKET_ENDPOINT (the Management API URL of stage ws) exactly to the functions that push', () => {
    for (const fn of fnNames()) {
      const pushes = functionPermissions[fn as keyof typeof functionPermissions].websocket === true;
      if (!pushes) {
        expect(env(fn).WEBSOCKET_ENDPOINT, fn).toBeUndefined();
        continue;
      }
      expect(flat(env(fn).WEBSOCKET_ENDPOINT), fn).toMatch(new RegExp(`^https://<${idOf(stack.realtimeApi!.api)}>\\.execute-api\\..+/ws$`));
    }
  });
});

// ---- WebSocket API -------------------------------------------------------------------------------------

describe('WebSocket API', () => {
  it('selects routes on the frame action and serves stage ws', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: idOf(stack.realtimeApi!.api) },
      StageName: 'ws',
      DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
    });
  });

  it.each(['$connect', '$disconnect', '$default', 'chat.typing', 'ping'])('routes %s to the realtime function', (key) => {
    const apiId = idOf(stack.realtimeApi!.api);
    const route = Object.values(resourcesOf('AWS::ApiGatewayV2::Route')).find((r) => r.Properties.RouteKey === key && r.Properties.ApiId.Ref === apiId);
    expect(route).toBeDefined();
    const integrationId = flat(route!.Properties.Target).match(/^integrations\/<(\w+)>$/)?.[1];
    const uri = flat(resourcesOf('AWS::ApiGatewayV2::Integration')[integrationId!].Properties.IntegrationUri);
    expect(uri).toContain(`<${idOf(stack.functions.get('realtime')!.function)}.Arn>`);
  });
});

// ---- Data ------------------------------------------------------------------------------------------------

describe('table', () => {
  it('is the shared table definition: pk/sk, gsi1..gsi3, TTL on expiresAt, on demand, PITR', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      GlobalSecondaryIndexes: tableDefinition.globalSecondaryIndexes.map((g) => ({
        IndexName: g.indexName,
        KeySchema: [
          { AttributeName: g.partitionKey, KeyType: 'HASH' },
          { AttributeName: g.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    });
  });

  it('survives stack deletion', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('has a stream with both images (new outbox items, the old image of expired records)', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } });
  });
});

describe('table stream consumers', () => {
  const mappings = () => Object.values(resourcesOf('AWS::Lambda::EventSourceMapping'));

  it.each(streamSubscriptions.map((s) => [s.function, s] as const))(
    '%s reads the stream through a mapping with its filters, batch item failures, bisection, bounded retries and a failure queue',
    (fn, subscription) => {
      const [mapping] = mappings().filter((m) => m.Properties.FunctionName.Ref === idOf(stack.functions.get(fn)!.function));
      expect(mapping.Properties).toMatchObject({
        EventSourceArn: { 'Fn::GetAtt': [idOf(stack.table.table), 'StreamArn'] },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: subscription.batchSize,
        MaximumRetryAttempts: subscription.retryAttempts,
        MaximumRecordAgeInSeconds: subscription.maxRecordAgeSeconds,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ParallelizationFactor: 1,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [idOf(stack.streamSubscriptions.get(fn)!.failureQueue), 'Arn'] } } },
      });
      // The same patterns the local stack's poller applies (shared/streams/subscriptions.ts).
      expect(mapping.Properties.FilterCriteria.Filters.map((f: Json) => JSON.parse(f.Pattern))).toEqual(subscription.filters);
    },
  );

  it('are the only mappings, one per subscription', () => {
    expect(mappings()).toHaveLength(streamSubscriptions.length);
  });

  it('keep their failure queues encrypted, TLS-only, for 14 days', () => {
    for (const { failureQueue } of stack.streamSubscriptions.values()) {
      expect(resourcesOf('AWS::SQS::Queue')[idOf(failureQueue)].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: idOf(failureQueue) }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
  });

  it('read only this table\'s stream, and only the functions with tableStream do', () => {
    const streamArn = `<${idOf(stack.table.table)}.StreamArn>`;
    for (const fn of fnNames()) {
      const grants = grantsOf(fn).filter((g) => g.action.startsWith('dynamodb:') && /Stream|GetRecords|GetShardIterator/.test(g.action));
      if (!functionPermissions[fn as keyof typeof functionPermissions].tableStream) {
        expect(grants, fn).toEqual([]);
        continue;
      }
      for (const g of grants) expect(g.resource, `${fn} ${g.action}`).toBe(g.action === 'dynamodb:ListStreams' ? '*' : streamArn);
    }
  });
});

describe('files bucket', () => {
  const filesBucket = () => resourcesOf('AWS::S3::Bucket')[idOf(stack.storage.bucket)].Properties;

  it('blocks every kind of public access and encrypts at rest', () => {
    expect(filesBucket().PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(filesBucket().BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
  });

  it('refuses requests that do not use TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: idOf(stack.storage.bucket) },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('expires unconfirmed uploads under tmp/ after a day and aborts incomplete multipart uploads', () => {
    const rules = filesBucket().LifecycleConfiguration.Rules;
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: 'tmp/', ExpirationInDays: 1, Status: 'Enabled' }));
    expect(rules.every((r: Json) => r.AbortIncompleteMultipartUpload?.DaysAfterInitiation > 0)).toBe(true);
  });

  it('expires task reports under reports/ after a day (the prefix the reports function writes)', () => {
    expect(REPORT_PREFIX).toBe(REPORT_KEY_PREFIX);
    const rules = filesBucket().LifecycleConfiguration.Rules;
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: REPORT_PREFIX, ExpirationInDays: 1, Status: 'Enabled' }));
  });

  it('allows browser uploads and downloads from the app origins only', () => {
    expect(filesBucket().CorsConfiguration.CorsRules).toEqual([
      expect.objectContaining({ AllowedOrigins: TEST_CONFIG.allowedOrigins, AllowedMethods: ['GET', 'HEAD', 'POST'] }),
    ]);
  });

  it('writes server access logs to a private log bucket', () => {
    expect(filesBucket().LoggingConfiguration.DestinationBucketName).toEqual({ Ref: idOf(stack.storage.accessLogs) });
  });
});

describe('JWT signing secret', () => {
  it('is generated by Secrets Manager, 64 characters, and reaches functions as JWT_SECRET_ARN', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', { GenerateSecretString: Match.objectLike({ PasswordLength: 64 }) });
    expect(env('auth').JWT_SECRET_ARN).toEqual({ Ref: idOf(stack.jwtSecret.secret) });
  });

  it('is read through the Parameters and Secrets extension: exactly the functions that read a secret carry its layer, cached 5 minutes', () => {
    const layered = fnNames().filter((fn) => (fnResource(fn).Properties.Layers ?? []).length > 0);
    const readers = fnNames().filter((fn) => grantsOf(fn).some((g) => g.action === 'secretsmanager:GetSecretValue'));
    expect(layered.sort()).toEqual(readers.sort());
    expect(readers).toContain('auth');
    // The layer's ARN per region comes from a mapping CDK writes; the functions run on arm64, so must the layer.
    const [layer] = fnResource('auth').Properties.Layers as { 'Fn::FindInMap': [string, ...unknown[]] }[];
    const mapping = (template.toJSON().Mappings as Record<string, unknown>)[layer['Fn::FindInMap'][0]];
    expect(JSON.stringify(mapping)).toMatch(/AWS-Parameters-and-Secrets-Lambda-Extension-Arm64/);
    expect(env('auth')).toMatchObject({ PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'true', SECRETS_MANAGER_TTL: '300' });
    expect(env('system').PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED).toBeUndefined();
  });
});

describe('stack outputs', () => {
  it('name the HTTP API URL with /v1, the WebSocket URL, the table, the bucket, the secrets and the alarm topic', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual(['AlarmTopicArn', 'BucketName', 'HttpApiUrl', 'JwtSecretArn', 'StripeSecretKeyArn', 'StripeWebhookSecretArn', 'StripeWebhookUrl', 'TableName', 'WebSocketUrl']);
    expect(flat(outputs.HttpApiUrl.Value)).toBe(`<${idOf(stack.httpApi.api)}.ApiEndpoint>/v1`);
    expect(flat(outputs.WebSocketUrl.Value)).toMatch(/^wss:\/\/.+\/ws$/);
  });
});

// ---- Least privilege -----------------------------------------------------------------------------------

describe('permissions', () => {
  it.each(Object.entries(functionPermissions))('%s is granted exactly the actions its entry in infra/permissions.ts names', (fn, entry) => {
    expect([...actionsOf(fn)].sort()).toEqual([...expectedActions(fn, entry)].sort());
  });

  it('system can read the table and list the bucket, but write nothing and read no object', () => {
    const actions = actionsOf('system');
    expect(actions).toContain('dynamodb:GetItem');
    expect(actions).toContain('s3:ListBucket');
    for (const denied of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 's3:GetObject', 's3:PutObject', 'secretsmanager:GetSecretValue']) {
      expect(actions).not.toContain(denied);
    }
  });

  it('the reference function (static files) may write its logs and traces and nothing else, though it knows TABLE_NAME like every function', () => {
    expect([...actionsOf('reference')].sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    expect(env('reference').TABLE_NAME).toEqual({ Ref: idOf(stack.table.table) });
  });

  it('only the reports function touches objects under reports/, and it touches no other object', () => {
    const objectGrants = (fn: string) => grantsOf(fn).filter((g) => g.action.startsWith('s3:') && g.action !== 's3:ListBucket');
    expect(objectGrants('reports').length).toBeGreaterThan(0);
    for (const g of objectGrants('reports')) expect(g.resource).toMatch(/\/reports\/\*$/);
    for (const fn of fnNames().filter((f) => f !== 'reports')) {
      for (const g of objectGrants(fn)) expect(g.resource, fn).not.toContain('/reports/');
    }
  });

  it('only admin reads logs: FilterLogEvents on exactly the log group of every function, named in SYSTEM_LOG_GROUPS', () => {
    const groupArns = fnNames().map((fn) => flat(resourcesOf('AWS::Logs::LogGroup')[idOf(stack.functions.get(fn)!.logGroup)] && { 'Fn::GetAtt': [idOf(stack.functions.get(fn)!.logGroup), 'Arn'] }));
    const reads = grantsOf('admin').filter((g) => g.action === 'logs:FilterLogEvents');
    expect(reads.map((g) => g.resource).sort()).toEqual(groupArns.sort());
    for (const fn of fnNames().filter((f) => f !== 'admin')) {
      expect(grantsOf(fn).filter((g) => g.action.startsWith('logs:') && !['logs:CreateLogStream', 'logs:PutLogEvents'].includes(g.action)), fn).toEqual([]);
    }
    const groups = env('admin').SYSTEM_LOG_GROUPS;
    const rendered = flat(groups);
    for (const fn of fnNames()) expect(rendered).toContain(`"${fn}":"`);
    expect(env('admin').SYSTEM_LOG_RETENTION_DAYS).toBe(String(stack.config.logRetentionDays));
    expect(env('admin').SYSTEM_LOG_SOURCE).toBe('cloudwatch');
  });

  it('no function can Scan the table or use a wildcard action', () => {
    for (const fn of fnNames()) {
      for (const g of grantsOf(fn)) {
        expect(g.action, fn).not.toBe('dynamodb:Scan');
        expect(g.action, fn).not.toContain('*');
      }
    }
  });

  it('limits the functions with tableKeys to items under those partition key prefixes', () => {
    for (const [fn, entry] of Object.entries(functionPermissions)) {
      const tableGrants = grantsOf(fn).filter((g) => g.resource.startsWith(`<${idOf(stack.table.table)}.Arn>`));
      const expected = entry.tableKeys ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': entry.tableKeys.map((k) => `${k}*`) } } : undefined;
      for (const g of tableGrants) expect(g.condition, `${fn} ${g.action}`).toEqual(expected);
    }
    expect(functionPermissions.mailer.tableKeys).toEqual(['OUTBOX#']);
  });

  it('table access names the table and its three indexes, never index/*', () => {
    const tableArn = `<${idOf(stack.table.table)}.Arn>`;
    const reads = grantsOf('system').filter((g) => g.action === 'dynamodb:Query').map((g) => g.resource);
    expect(reads.sort()).toEqual([tableArn, ...tableDefinition.globalSecondaryIndexes.map((g) => `${tableArn}/index/${g.indexName}`)].sort());
  });

  it.each(Object.entries(functionPermissions).filter(([, e]) => e.bucket && e.bucket.prefixes.length > 0))(
    '%s touches objects only under its own prefixes',
    (fn, entry) => {
      const bucketArn = `<${idOf(stack.storage.bucket)}.Arn>`;
      const objectResources = new Set(grantsOf(fn).filter((g) => g.action.startsWith('s3:') && g.action !== 's3:ListBucket').map((g) => g.resource));
      expect([...objectResources].sort()).toEqual(entry.bucket!.prefixes.map((p) => `${bucketArn}/${p}`).sort());
    },
  );

  it('only the functions with `websocket` can manage connections, and only on the ws stage', () => {
    for (const fn of fnNames()) {
      const grants = grantsOf(fn).filter((g) => g.action === 'execute-api:ManageConnections');
      if (!functionPermissions[fn as keyof typeof functionPermissions].websocket) {
        expect(grants, fn).toEqual([]);
        continue;
      }
      expect(grants.map((g) => g.resource), fn).toEqual([
        `arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${idOf(stack.realtimeApi!.api)}>/ws/*/@connections/*`,
      ]);
    }
  });

  it('only the mailer can send e-mail (everyone else writes outbox items), and only from the MAIL_FROM address', () => {
    const senders = fnNames().filter((fn) => actionsOf(fn).has('ses:SendEmail'));
    expect(senders).toEqual(['mailer']);
    expect(senders.sort()).toEqual(Object.entries(functionPermissions).filter(([, e]) => e.ses).map(([fn]) => fn).sort());
    for (const fn of senders) {
      for (const g of grantsOf(fn).filter((x) => x.action === 'ses:SendEmail')) {
        expect(g.condition).toEqual({ StringEquals: { 'ses:FromAddress': 'no-reply@example.com' } });
      }
    }
  });

  it('the Stripe webhook is the webhook function\'s URL (no IAM auth: Stripe signs each event), a stack output', () => {
    const urls = Object.values(resourcesOf('AWS::Lambda::Url'));
    expect(urls).toHaveLength(1);
    expect(urls[0].Properties).toMatchObject({ AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [idOf(stack.functions.get('webhook')!.function), 'Arn'] } });
    expect(template.findOutputs('StripeWebhookUrl').StripeWebhookUrl.Value).toBeDefined();
  });

  it('only billing reads the Stripe API key, and only the webhook also reads the signing secret', () => {
    const stripeReads = (fn: string) => grantsOf(fn).filter((g) => g.action === 'secretsmanager:GetSecretValue' && g.resource.includes('stripe')).map((g) => g.resource).sort();
    expect(fnNames().filter((fn) => stripeReads(fn).length > 0).sort()).toEqual(['billing', 'webhook']);
    expect(stripeReads('billing')).toHaveLength(1);
    expect(stripeReads('webhook')).toHaveLength(2);
  });

  it('every function that verifies tokens (a non-public route, or realtime) reads the signing secret; system does not', () => {
    const readers = fnNames().filter((fn) => grantsOf(fn).some((g) => g.action === 'secretsmanager:GetSecretValue' && !g.resource.includes('stripe')));
    const needTokens = new Set([...allRoutes.filter((r) => r.access !== 'public').map((r) => r.fn), 'auth', 'realtime']);
    for (const fn of needTokens) expect(readers, fn).toContain(fn);
    expect(readers).not.toContain('system');
    for (const fn of readers) {
      expect(grantsOf(fn).filter((g) => g.action === 'secretsmanager:GetSecretValue' && !g.resource.includes('stripe')).map((g) => g.resource)).toEqual([`<${idOf(stack.jwtSecret.secret)}>`]);
    }
  });
});

// ---- cdk-nag ---------------------------------------------------------------------------------------------

describe('cdk-nag AwsSolutions', () => {
  const acknowledgments = () => {
    const out: { path: string; id: string; reason: string }[] = [];
    for (const node of stack.node.findAll()) {
      for (const entry of node.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          out.push({ path: node.node.path, id: id.replace(/^annotation::/i, ''), reason });
        }
      }
    }
    return out;
  };

  it('reports no unacknowledged error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    const findings = report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
  });

  it('acknowledges every finding with a reason that explains it', () => {
    const acks = acknowledgments();
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(80);
      expect(ack.reason.split(/\s+/).length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(12);
    }
  });

  it('acknowledges only findings that really occur (no stale suppressions)', () => {
    const raw = new AwsSolutionsChecks();
    (raw as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
    const violations = raw.validateScope(stack).violations;
    for (const ack of acknowledgments()) {
      const hit = violations.some((v) => v.ruleName === ack.id && v.violatingResources.some((r) => r.constructPath?.startsWith(ack.path)));
      expect(hit, `${ack.id} acknowledged at ${ack.path} matches no finding`).toBe(true);
    }
  });
});
