// The one way this project makes a Lambda: fixed runtime and bundling defaults, its own log group and role,
// and bind* helpers that set a resource's environment variable and grant exactly what the function needs
// in the same call, so an environment variable never exists without its permission or the reverse.
// Constructs that are wired to a function (the WebSocket API, the scheduler, the table's stream) bind it
// themselves (`api.bind(fn)`): they depend on this module, never the reverse, so the imports stay acyclic.
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { NodejsFunction, OutputFormat, LogLevel } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { join } from 'node:path';
import type { AccessLevel } from '../permissions.ts';
import { LAMBDA_BUNDLING, LAMBDA_NODE_OPTIONS, sideFileCommands } from '../bundling.ts';
import type { AppTable } from './table.ts';
import type { Mailer } from './mailer.ts';
import type { StripeSecrets } from './stripe-secrets.ts';


export interface ProjectFunctionProps {
  /** Endpoint group name (`auth`); also names the function in logs. */
  name: string;
  /** Absolute path of the handler module exporting `handler`. */
  entry: string;
  /** Folder holding package.json, package-lock.json and tsconfig.json. */
  projectRoot: string;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  memoryMb?: number;
  timeoutSeconds?: number;
  /**
   * false: a stub instead of the esbuild bundle (infrastructure tests that do not need the code).
   * Everything else in the template is identical.
   */
  bundle?: boolean;
  /**
   * The function reads a Secrets Manager secret (the JWT signing key, Stripe's keys): it gets the AWS
   * Parameters and Secrets Lambda Extension, which shared/secrets/extension.ts reads on localhost, so the
   * Secrets Manager SDK client is in no bundle. Decided before the function exists (a layer cannot be added
   * by the bind helpers after construction).
   */
  readsSecrets?: boolean;
}

export class ProjectFunction extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly name: string;
  private readonly readsSecrets: boolean;

  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    super(scope, id);
    this.name = props.name;
    this.readsSecrets = props.readsSecrets ?? false;

    this.logGroup = new logs.LogGroup(this, 'logs', { retention: props.logRetention });
    // Own role instead of AWSLambdaBasicExecutionRole: writing to this log group is all it gets by default.
    this.role = new iam.Role(this, 'role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `GradHelper ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    const common = {
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb ?? 512,
      timeout: Duration.seconds(props.timeoutSeconds ?? 10),
      role: this.role,
      logGroup: this.logGroup,
      // Active tracing: Lambda samples requests and records the invocation; the code adds its AWS calls as
      // subsegments itself (no X-Ray SDK in the bundles: docs/operations.md, tracing).
      tracing: lambda.Tracing.ACTIVE,
      description: `GradHelper ${props.name}`,
      ...(props.readsSecrets
        ? {
            paramsAndSecrets: lambda.ParamsAndSecretsLayerVersion.fromVersion(lambda.ParamsAndSecretsVersions.V1_0_103, {
              cacheEnabled: true,
              // A rotated secret reaches warm functions' extension within this; functions still read once per cold start.
              secretsManagerTtl: Duration.minutes(5),
              logLevel: lambda.ParamsAndSecretsLogLevel.WARN,
            }),
          }
        : {}),
      environment: {
        ...props.environment,
        ...(LAMBDA_NODE_OPTIONS ? { NODE_OPTIONS: LAMBDA_NODE_OPTIONS } : {}),
        // SDK v3 keeps connections alive already; set explicitly so the intent survives SDK defaults changing.
        AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
      },
    };

    this.function =
      props.bundle === false
        ? new lambda.Function(this, 'function', {
            ...common,
            handler: 'index.handler',
            code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 503 });'),
          })
        : new NodejsFunction(this, 'function', {
            ...common,
            entry: props.entry,
            handler: 'handler',
            projectRoot: props.projectRoot,
            depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
            awsSdkConnectionReuse: false,
            bundling: {
              format: OutputFormat.ESM,
              target: LAMBDA_BUNDLING.target,
              mainFields: [...LAMBDA_BUNDLING.mainFields],
              banner: LAMBDA_BUNDLING.banner,
              minify: LAMBDA_BUNDLING.minify,
              sourceMap: true,
              sourcesContent: LAMBDA_BUNDLING.sourcesContent,
              bundleAwsSDK: LAMBDA_BUNDLING.bundleAwsSDK,
              // esbuild runs in the project root, where the alias paths start.
              esbuildArgs: Object.fromEntries(Object.entries(LAMBDA_BUNDLING.alias).map(([from, to]) => [`--alias:${from}`, to])),
              tsconfig: join(props.projectRoot, 'tsconfig.json'),
              // The esbuild in node_modules: synth works offline and without Docker.
              forceDockerBundling: false,
              logLevel: LogLevel.ERROR,
              // Files esbuild cannot inline (PDFKit's font metrics for reports): infra/bundling.ts.
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_inputDir, outputDir) => sideFileCommands(props.name, props.projectRoot, outputDir),
              },
            },
          });
    this.acknowledge(
      'AwsSolutions-IAM5[Resource::*]',
      'Active tracing lets the function send trace segments (xray:PutTraceSegments, xray:PutTelemetryRecords); X-Ray defines no resource type for these actions, so the only resource IAM accepts is *.',
    );
  }

  addEnvironment(key: string, value: string): this {
    this.function.addEnvironment(key, value);
    return this;
  }

  /**
   * TABLE_NAME, and item access on the table and its indexes. Never Scan: every read is keyed. With
   * `leadingKeys` (`OUTBOX#`), only items whose partition key starts with one of them.
   */
  bindTable(table: AppTable, access: AccessLevel, leadingKeys?: string[]): this {
    this.addEnvironment('TABLE_NAME', table.table.tableName);
    const conditions = leadingKeys?.length ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leadingKeys.map((k) => `${k}*`) } } : undefined;
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TableRead',
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
        resources: [table.table.tableArn, ...table.indexArns],
        conditions,
      }),
    );
    if (access === 'readwrite') {
      // TransactWriteItems is authorised per item through these same actions.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'TableWrite',
          actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'],
          resources: [table.table.tableArn],
          conditions,
        }),
      );
    }
    return this;
  }

  /**
   * BUCKET_NAME, s3:ListBucket (HeadBucket, and a 404 rather than 403 from HeadObject on a missing key),
   * and object access under `prefixes` only (`uploads/*`).
   */
  bindBucket(bucket: s3.IBucket, prefixes: string[], access: AccessLevel | 'delete'): this {
    this.addEnvironment('BUCKET_NAME', bucket.bucketName);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'BucketList', actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    if (prefixes.length === 0) return this;
    const { sid, actions } = {
      read: { sid: 'ObjectsRead', actions: ['s3:GetObject'] },
      readwrite: { sid: 'ObjectsReadWrite', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'] },
      delete: { sid: 'ObjectsDelete', actions: ['s3:DeleteObject'] },
    }[access];
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources: prefixes.map((p) => bucket.arnForObjects(p)) }));
    for (const prefix of prefixes) {
      this.acknowledge(
        `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(bucket)}.Arn>/${prefix}]`,
        `Object keys are server-made ids under ${prefix.replace('*', '')}, unknown at deploy time; the grant is limited to that prefix of this one bucket.`,
      );
    }
    return this;
  }

  /** JWT_SECRET_ARN and read access to that one secret (cached per cold start by shared/auth/tokens.ts). */
  bindSecret(secret: secretsmanager.ISecret): this {
    this.requireSecretsExtension('JWT_SECRET_ARN');
    this.addEnvironment('JWT_SECRET_ARN', secret.secretArn);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'JwtSecretRead', actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }));
    return this;
  }

  /** MAIL_FROM, SES_CONFIGURATION_SET, and ses:SendEmail only with that From address, through that set. */
  bindSes(mailer: Mailer): this {
    this.addEnvironment('MAIL_FROM', mailer.mailFrom);
    this.addEnvironment('SES_CONFIGURATION_SET', mailer.configurationSet.configurationSetName);
    this.role.addToPrincipalPolicy(mailer.sendStatement());
    this.acknowledge(`AwsSolutions-IAM5[Resource::${mailer.identityArnPattern}]`, mailer.wildcardReason);
    return this;
  }

  /** FANOUT_FUNCTION_NAME, and lambda:InvokeFunction on that one function (asynchronous broadcasts). */
  bindFanOut(target: ProjectFunction): this {
    this.addEnvironment('FANOUT_FUNCTION_NAME', target.function.functionName);
    // The unqualified ARN only (grantInvoke would add `:*` for every version and alias).
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'FanOutInvoke', actions: ['lambda:InvokeFunction'], resources: [target.function.functionArn] }));
    return this;
  }

  /** STRIPE_SECRET_KEY_ARN (and STRIPE_WEBHOOK_SECRET_ARN) with read access to exactly those secrets. */
  bindStripe(secrets: StripeSecrets, access: 'key' | 'webhook'): this {
    this.requireSecretsExtension('STRIPE_SECRET_KEY_ARN');
    const granted = access === 'webhook' ? [secrets.secretKey, secrets.webhookSecret] : [secrets.secretKey];
    this.addEnvironment('STRIPE_SECRET_KEY_ARN', secrets.secretKey.secretArn);
    if (access === 'webhook') this.addEnvironment('STRIPE_WEBHOOK_SECRET_ARN', secrets.webhookSecret.secretArn);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'StripeSecretsRead', actions: ['secretsmanager:GetSecretValue'], resources: granted.map((s) => s.secretArn) }));
    return this;
  }

  /**
   * SYSTEM_LOG_SOURCE=cloudwatch, SYSTEM_LOG_GROUPS (function name to log group name), SYSTEM_LOG_RETENTION_DAYS,
   * and logs:FilterLogEvents on exactly those log groups (GET /admin/system-logs).
   */
  bindLogReader(functions: ReadonlyMap<string, ProjectFunction>, retentionDays: number): this {
    const groups = [...functions.entries()].sort(([a], [b]) => a.localeCompare(b));
    this.addEnvironment('SYSTEM_LOG_SOURCE', 'cloudwatch');
    this.addEnvironment('SYSTEM_LOG_GROUPS', Stack.of(this).toJsonString(Object.fromEntries(groups.map(([name, fn]) => [name, fn.logGroup.logGroupName]))));
    this.addEnvironment('SYSTEM_LOG_RETENTION_DAYS', String(retentionDays));
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'SystemLogsRead', actions: ['logs:FilterLogEvents'], resources: groups.map(([, fn]) => fn.logGroup.logGroupArn) }),
    );
    return this;
  }

  private requireSecretsExtension(variable: string): void {
    if (!this.readsSecrets) throw new Error(`${this.name} is bound to a secret (${variable}) but was made without readsSecrets: it would have no secrets extension to read it through`);
  }

  /** A cdk-nag acknowledgment scoped to this function's resources. */
  acknowledge(id: string, reason: string): this {
    Validations.of(this).acknowledge({ id, reason });
    return this;
  }

  /** The logical id cdk-nag prints for a resource (`<id>` in an acknowledged finding). */
  logicalIdOf(construct: Construct): string {
    const child = construct.node.defaultChild as Construct | undefined;
    return Stack.of(this).getLogicalId((child ?? construct) as never);
  }
}
