// Runtime configuration, validated once per cold start so a missing variable fails at init, not at the first request.
import * as z from './zod.ts';

// One instance of each field type, shared by every variable of that type: the whole schema is built and parsed
// at every cold start (getConfig runs at init), and each schema object built costs the cold import (issue #15).
const PositiveInt = z.coerce.number().check(z.int(), z.positive());
const NonNegativeInt = z.coerce.number().check(z.int(), z.gte(0));
const Text = z.string();
const OptionalText = z.optional(Text);
const NonEmptyText = z.string().check(z.minLength(1));
const Url = z.string().check(z.url());
const Flag = z.stringbool();
const intFromEnv = (fallback: number) => z._default(PositiveInt, fallback);

/** `24h,15m` as seconds, longest first and without repeats; undefined when a part is not a duration (units s, m, h, d). */
function reminderOffsets(raw: string): number[] | undefined {
  const seconds = raw.split(',').map((part) => {
    const m = /^\s*(\d{1,6})\s*([smhd])\s*$/.exec(part);
    return m ? Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 's' | 'm' | 'h' | 'd'] : NaN;
  });
  return seconds.some((s) => !(s > 0)) ? undefined : [...new Set(seconds)].sort((a, b) => b - a);
}

const ConfigSchema = z.object({
  TABLE_NAME: NonEmptyText,
  BUCKET_NAME: NonEmptyText,
  APP_URL: z._default(Url, 'http://localhost:5173'),
  /** Public base URL of this API (used in links the API hands out, e.g. avatar URLs). */
  API_URL: z._default(Url, 'http://localhost:3001/api/v1'),
  /** Comma-separated origins CORS allows; defaults to APP_URL. `*` allows any origin (without credentials). */
  CORS_ORIGINS: OptionalText,
  /** S3 emulators serve buckets by path, not by virtual host (the local stack sets this). */
  S3_FORCE_PATH_STYLE: z._default(Flag, false),
  JWT_ISSUER: z._default(Text, 'gradhelper'),
  JWT_AUDIENCE: z._default(Text, 'gradhelper-api'),
  /** Locally the signing secret comes straight from the environment; in AWS from Secrets Manager. */
  JWT_SECRET: z.optional(z.string().check(z.minLength(32))),
  JWT_SECRET_ARN: OptionalText,
  /**
   * Seconds after a refresh token's rotation during which presenting it again (two tabs refreshing at once,
   * a retried request) yields another token of the same session instead of counting as theft. 0 disables.
   */
  REFRESH_REUSE_GRACE_SECONDS: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(60)), 10),
  GOOGLE_CLIENT_ID: z._default(Text, ''),
  GOOGLE_JWKS_URL: z._default(Url, 'https://www.googleapis.com/oauth2/v3/certs'),
  MAIL_FROM: z._default(Text, 'GradHelper <no-reply@gradhelper.local>'),
  /** Local stack only: folder where the file mailer writes one message per file. */
  MAIL_OUTBOX_DIR: OptionalText,
  /** The fan-out Lambda that broadcasts to a whole audience asynchronously; unset: broadcasts run in the request. */
  FANOUT_FUNCTION_NAME: OptionalText,
  /** Management API endpoint of the WebSocket API (https://{id}.execute-api.{region}.amazonaws.com/{stage}). */
  WEBSOCKET_ENDPOINT: OptionalText,
  /** Open WebSocket connections one user may hold (tabs and devices); connecting past it closes their oldest. */
  WEBSOCKET_MAX_CONNECTIONS_PER_USER: intFromEnv(10),
  /** Client frames that do work for others (`chat.typing`) per connection per minute; `ping` is not counted. */
  RATE_LIMIT_SOCKET_ACTIONS_PER_MINUTE: intFromEnv(60),
  RATE_LIMIT_GENERAL_PER_MINUTE: intFromEnv(100),
  RATE_LIMIT_UPLOAD_PER_MINUTE: intFromEnv(10),
  RATE_LIMIT_CHAT_PER_MINUTE: intFromEnv(30),
  RATE_LIMIT_AUTH_PER_MINUTE: intFromEnv(5),
  /** Refresh and logout, per IP: a bucket apart from sign-in, since every open tab refreshes every 15 minutes. */
  RATE_LIMIT_SESSION_PER_MINUTE: intFromEnv(30),
  /**
   * Failed password sign-ins per e-mail address (known or not) in one window of LOGIN_FAILURE_WINDOW_SECONDS;
   * past it, sign-in with that address answers 429 with Retry-After until the window ends.
   */
  LOGIN_MAX_FAILURES_PER_ACCOUNT: intFromEnv(10),
  LOGIN_FAILURE_WINDOW_SECONDS: intFromEnv(15 * 60),
  /** After a reset mail, further forgot-password requests for that account send nothing this long (still 200). 0: off. */
  FORGOT_PASSWORD_COOLDOWN_SECONDS: z._default(NonNegativeInt, 60),
  /** Per file on POST /files/upload. A sync Lambda payload is 6 MB and binary bodies arrive base64 (x4/3), so ~4 MiB is the most one request can carry; bigger files use the direct-to-S3 upload. */
  MAX_UPLOAD_BYTES: intFromEnv(4 * 1024 * 1024),
  MAX_AVATAR_BYTES: intFromEnv(2 * 1024 * 1024),
  MAX_DIRECT_UPLOAD_BYTES: intFromEnv(100 * 1024 * 1024),
  /**
   * Items one list request may have DynamoDB read (matching or not, skipped or returned), shared by a `page`
   * walk and a `search` filter; past it the request answers a short page with a cursor. At least a full page
   * plus one (101), so a page without a search always fits; the default fits every page the contract allows
   * at the default limit (50 x 20 + 1).
   */
  LIST_READ_BUDGET: z._default(z.coerce.number().check(z.int(), z.gte(101)), 2000),
  /** EventBridge Scheduler group of this stack's one-time schedules (bill due dates) and the role they run as; set by the stack. */
  SCHEDULE_GROUP_NAME: OptionalText,
  SCHEDULER_ROLE_ARN: OptionalText,
  /** Stripe API secret key, directly (local, test mode) or from Secrets Manager (AWS). Neither: payments answer 503. */
  STRIPE_SECRET_KEY: z.optional(NonEmptyText),
  STRIPE_SECRET_KEY_ARN: OptionalText,
  /** Signing secret of the webhook endpoint (`whsec_...`), directly or from Secrets Manager. */
  STRIPE_WEBHOOK_SECRET: z.optional(NonEmptyText),
  STRIPE_WEBHOOK_SECRET_ARN: OptionalText,
  /** Another Stripe API base URL (the local emulator, `http://localhost:3001/_stripe`); unset: api.stripe.com. */
  STRIPE_API_URL: z.optional(Url),
  /** Currency of a bill that names none (ISO code, lower case). */
  BILLING_DEFAULT_CURRENCY: z._default(z.enum(['usd', 'eur', 'gbp', 'cad', 'aud']), 'usd'),
  /**
   * When meeting reminders go out, before the start: comma-separated durations (`24h,15m`; units s, m, h, d).
   * Offsets already past when a meeting is booked or moved are skipped.
   */
  MEETING_REMINDER_OFFSETS: z.pipe(
    z
      ._default(z.string(), '24h,15m')
      .check(z.refine((raw) => reminderOffsets(raw) !== undefined, 'must be durations such as 24h,15m (units s, m, h, d)')),
    z.transform((raw: string) => reminderOffsets(raw)!),
  ),
  /** Link given to a virtual meeting booked without one; `{meetingId}` is replaced by the meeting's id. */
  MEETING_URL_TEMPLATE: z
    ._default(z.string(), 'https://meet.jit.si/gradhelper-{meetingId}')
    .check(z.refine((t) => t.includes('{meetingId}') && /^https?:\/\//.test(t), 'must be an http(s) URL containing {meetingId}')),
  /** The reminders function (target of every meeting schedule). */
  REMINDERS_FUNCTION_ARN: OptionalText,
  /** Queue for schedule invocations that still fail after the schedule's retries. */
  SCHEDULE_DLQ_ARN: OptionalText,
  /**
   * Bytes of files (every category) one student may keep at a time; admins are counted but not limited.
   * Over it, an upload or confirm is 413 PAYLOAD_TOO_LARGE naming the quota. Freed by deleting files, and
   * by unattached uploads expiring.
   */
  STORAGE_QUOTA_BYTES: intFromEnv(1024 * 1024 * 1024),
  /** A confirmed upload that is not an avatar and not attached to anything expires (record and object) after this. */
  UNATTACHED_FILE_TTL_SECONDS: intFromEnv(24 * 60 * 60),
  /**
   * Rows one task report (GET /reports/tasks) may hold; a range with more is a 400 asking for a narrower one
   * (the report is made inside the HTTP API's 30 s and in the function's memory).
   */
  REPORT_MAX_ROWS: intFromEnv(50_000),
  /**
   * Where GET /admin/system-logs reads the functions' log lines: `cloudwatch` (their log groups, SYSTEM_LOG_GROUPS)
   * or `files` (the local stack's SYSTEM_LOG_DIR). shared/system-logs/source.ts picks the reader from this.
   */
  SYSTEM_LOG_SOURCE: z._default(z.enum(['cloudwatch', 'files']), 'cloudwatch'),
  /** JSON object: function (`service`) to its CloudWatch log group name; set by the stack for the admin function. */
  SYSTEM_LOG_GROUPS: OptionalText,
  /** The local stack's folder of `<function>.log` files. */
  SYSTEM_LOG_DIR: OptionalText,
  /** Retention of the functions' log groups (days): older `dateFrom`s are raised to it. */
  SYSTEM_LOG_RETENTION_DAYS: intFromEnv(30),
  LOG_LEVEL: z._default(z.enum(['debug', 'info', 'warn', 'error', 'silent']), 'info'),
  /** Tests set this to check every response against its contract schema. */
  VALIDATE_RESPONSES: z._default(Flag, false),
});

export type Config = z.infer<typeof ConfigSchema>;

let cached: Config | undefined;

/** Parses the environment once; throws naming every missing or malformed variable. */
export function getConfig(): Config {
  if (cached) return cached;
  const parsed = ConfigSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  if (!parsed.data.JWT_SECRET && !parsed.data.JWT_SECRET_ARN) {
    throw new Error('Invalid configuration: JWT_SECRET or JWT_SECRET_ARN must be set');
  }
  cached = parsed.data;
  return cached;
}

/** For tests and the local stack, which change the environment between runs in one process. */
export function resetConfigForTests(): void {
  cached = undefined;
}
