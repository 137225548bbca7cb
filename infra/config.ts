// Deployment settings of the AWS stack: CDK context (`cdk deploy -c appUrl=https://...`, or "context" in
// cdk.json) with props taking precedence. Everything here ends up in the functions' environment or in the
// API Gateway / S3 configuration; nothing is looked up in the account, so synth stays offline.
import type { Construct } from 'constructs';

export interface RateLimits {
  generalPerMinute: number;
  uploadPerMinute: number;
  chatPerMinute: number;
  authPerMinute: number;
  /** Refresh and logout, per IP. */
  sessionPerMinute: number;
}

/**
 * When the stack's alarms fire (infra/constructs/operations.ts, docs/operations.md). Every alarm looks at
 * 5-minute periods; counts are per period.
 */
export interface AlarmThresholds {
  /** HTTP API answers that are 5xx, in percent of its requests (context alarmHttp5xxRatePercent). */
  http5xxRatePercent: number;
  /** Below this many requests in a period the 5xx rate is not judged (one 500 of three requests is not an outage). */
  http5xxMinRequests: number;
  /** HTTP API p99 latency in milliseconds, for `httpLatencyPeriods` periods in a row (cold starts included). */
  httpP99LatencyMs: number;
  httpLatencyPeriods: number;
  /** Lambda Errors (crashes, timeouts, init failures: the pipeline answers handled errors itself) of any one function. */
  functionErrors: number;
  /** Lambda Throttles of any one function (the account's or its reserved concurrency is exhausted). */
  functionThrottles: number;
  /** DynamoDB ThrottledRequests on the table and its indexes, all operations. */
  dynamoThrottledRequests: number;
  /** Messages waiting in any dead-letter or on-failure queue. */
  deadLetterMessages: number;
  /** 5xx answers of the Stripe webhook's Function URL (Stripe retries, then disables the endpoint). */
  webhook5xx: number;
  /** Stripe deliveries refused for a bad signature (a rotated secret not yet copied, or someone probing). */
  webhookSignatureFailures: number;
  /** SES account bounce rate in percent (SES reviews the account at 5 %, may pause sending at 10 %). */
  sesBounceRatePercent: number;
  /** SES account complaint rate in percent (SES reviews at 0.1 %, may pause sending at 0.5 %). */
  sesComplaintRatePercent: number;
}

export const defaultAlarmThresholds: AlarmThresholds = {
  http5xxRatePercent: 2,
  http5xxMinRequests: 20,
  httpP99LatencyMs: 2500,
  httpLatencyPeriods: 3,
  functionErrors: 1,
  functionThrottles: 1,
  dynamoThrottledRequests: 10,
  deadLetterMessages: 1,
  webhook5xx: 1,
  webhookSignatureFailures: 5,
  sesBounceRatePercent: 2,
  sesComplaintRatePercent: 0.05,
};

export interface DeployConfig {
  /** The web app's public URL: links in e-mails, the referral link, the default CORS origin. */
  appUrl: string;
  /** Browser origins allowed by the HTTP API's CORS preflight, the pipeline's CORS headers and the bucket's CORS. */
  allowedOrigins: string[];
  /** Sender of every e-mail ("Name <address>" or an address); its address must be a verified SES identity. */
  mailFrom: string;
  /** Google OAuth client id for Google sign-in; empty disables it until filled in. */
  googleClientId: string;
  /** The spec's per-user (auth: per-IP) limits, enforced by the pipeline's DynamoDB counters. */
  rateLimits: RateLimits;
  /** API Gateway stage throttling (whole stage, all clients): steady requests per second and burst. */
  throttle: { rateLimit: number; burstLimit: number };
  /** Retention of the functions' and API Gateway's log groups, in days (a value CloudWatch accepts). */
  logRetentionDays: number;
  /** Keep old object versions in the bucket (noncurrent versions expire after 30 days). */
  bucketVersioning: boolean;
  /** Bytes of files one student may keep (STORAGE_QUOTA_BYTES). */
  storageQuotaBytes: number;
  /** Seconds an upload that is not attached to anything lives (UNATTACHED_FILE_TTL_SECONDS). */
  unattachedFileTtlSeconds: number;
  /** When each alarm fires (context: `alarm` + the key with a capital, e.g. alarmHttpP99LatencyMs). */
  alarms: AlarmThresholds;
  /** Subscribed by e-mail to the alarm topic when set (the address confirms once); empty: subscribe by hand. */
  alarmEmail: string;
}

/** What a stack's props may override: any setting, and any single alarm threshold. */
export type DeployConfigOverrides = Partial<Omit<DeployConfig, 'alarms'>> & { alarms?: Partial<AlarmThresholds> };

export const defaultDeployConfig: DeployConfig = {
  appUrl: 'http://localhost:5173',
  allowedOrigins: [],
  mailFrom: 'GradHelper <no-reply@gradhelper.local>',
  googleClientId: '',
  rateLimits: { generalPerMinute: 100, uploadPerMinute: 10, chatPerMinute: 30, authPerMinute: 5, sessionPerMinute: 30 },
  throttle: { rateLimit: 200, burstLimit: 400 },
  logRetentionDays: 30,
  bucketVersioning: false,
  storageQuotaBytes: 1024 * 1024 * 1024,
  unattachedFileTtlSeconds: 24 * 60 * 60,
  alarms: defaultAlarmThresholds,
  alarmEmail: '',
};

function contextString(scope: Construct, key: string): string | undefined {
  const value = scope.node.tryGetContext(key);
  return value === undefined || value === null ? undefined : String(value);
}

function contextNumber(scope: Construct, key: string): number | undefined {
  const raw = contextString(scope, key);
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`CDK context "${key}" must be a positive number, got "${raw}"`);
  return value;
}

function contextList(scope: Construct, key: string): string[] | undefined {
  const value = scope.node.tryGetContext(key);
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return items.map((s) => s.trim()).filter(Boolean);
}

/**
 * Reads the deployment settings from CDK context (keys as in DeployConfig; rate limits and throttle as
 * flat keys: rateLimitGeneralPerMinute, ..., throttleRateLimit, throttleBurstLimit; alarm thresholds as
 * alarmHttp5xxRatePercent, ...), then applies `overrides`.
 */
export function readDeployConfig(scope: Construct, overrides: DeployConfigOverrides = {}): DeployConfig {
  const d = defaultDeployConfig;
  const appUrl = overrides.appUrl ?? contextString(scope, 'appUrl') ?? d.appUrl;
  const fromContext: DeployConfig = {
    appUrl,
    allowedOrigins: contextList(scope, 'allowedOrigins') ?? [new URL(appUrl).origin],
    mailFrom: contextString(scope, 'mailFrom') ?? d.mailFrom,
    googleClientId: contextString(scope, 'googleClientId') ?? d.googleClientId,
    rateLimits: {
      generalPerMinute: contextNumber(scope, 'rateLimitGeneralPerMinute') ?? d.rateLimits.generalPerMinute,
      uploadPerMinute: contextNumber(scope, 'rateLimitUploadPerMinute') ?? d.rateLimits.uploadPerMinute,
      chatPerMinute: contextNumber(scope, 'rateLimitChatPerMinute') ?? d.rateLimits.chatPerMinute,
      authPerMinute: contextNumber(scope, 'rateLimitAuthPerMinute') ?? d.rateLimits.authPerMinute,
      sessionPerMinute: contextNumber(scope, 'rateLimitSessionPerMinute') ?? d.rateLimits.sessionPerMinute,
    },
    throttle: {
      rateLimit: contextNumber(scope, 'throttleRateLimit') ?? d.throttle.rateLimit,
      burstLimit: contextNumber(scope, 'throttleBurstLimit') ?? d.throttle.burstLimit,
    },
    logRetentionDays: contextNumber(scope, 'logRetentionDays') ?? d.logRetentionDays,
    bucketVersioning: (contextString(scope, 'bucketVersioning') ?? String(d.bucketVersioning)) === 'true',
    storageQuotaBytes: contextNumber(scope, 'storageQuotaBytes') ?? d.storageQuotaBytes,
    unattachedFileTtlSeconds: contextNumber(scope, 'unattachedFileTtlSeconds') ?? d.unattachedFileTtlSeconds,
    alarms: Object.fromEntries(
      Object.entries(d.alarms).map(([key, value]) => [key, contextNumber(scope, `alarm${key[0].toUpperCase()}${key.slice(1)}`) ?? value]),
    ) as unknown as AlarmThresholds,
    alarmEmail: contextString(scope, 'alarmEmail') ?? d.alarmEmail,
  };
  const config: DeployConfig = { ...fromContext, ...overrides, alarms: { ...fromContext.alarms, ...overrides.alarms } };
  if (!overrides.allowedOrigins && overrides.appUrl && !contextList(scope, 'allowedOrigins')) {
    config.allowedOrigins = [new URL(overrides.appUrl).origin];
  }
  if (config.allowedOrigins.length === 0) throw new Error('allowedOrigins must name at least one origin');
  mailAddress(config.mailFrom); // fail at synth, not at the first e-mail
  if (config.alarmEmail && !/^[^@\s<>]+@[^@\s<>]+$/.test(config.alarmEmail)) throw new Error(`alarmEmail "${config.alarmEmail}" must be an e-mail address`);
  return config;
}

/** The bare address of "Name <address>" or "address" (what SES's ses:FromAddress condition compares). */
export function mailAddress(mailFrom: string): string {
  const match = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(mailFrom) ?? /^\s*([^<>\s]+@[^<>\s]+)\s*$/.exec(mailFrom);
  if (!match) throw new Error(`mailFrom "${mailFrom}" must be "Name <address>" or an e-mail address`);
  return match[1];
}
