// What each function may touch in AWS, in one place. The stack grants exactly this and nothing else
// (tests/infra checks the synthesized policies against it), so a new need is a one-line change here,
// reviewed as a permission change. Sizing lives beside it because it is the other per-function knob.
import type { FunctionName, RouteDef } from '../shared/http/contract.ts';

/**
 * Lambdas that serve no HTTP route: the WebSocket API's `$connect`/`$disconnect`/route handler, the
 * fan-out job that broadcasts to a whole audience when invoked asynchronously, the reminders function that
 * meeting schedules invoke, and the consumers of the table's stream (shared/streams/subscriptions.ts).
 */
export const nonHttpFunctionNames = ['realtime', 'fanout', 'reminders', 'mailer', 'expiry'] as const;
export type SocketFunctionName = (typeof nonHttpFunctionNames)[number];
export type AnyFunctionName = FunctionName | SocketFunctionName;

export type AccessLevel = 'read' | 'readwrite';

export interface BucketAccess {
  /** `delete`: s3:DeleteObject only (cleaning up after expired records). */
  access: AccessLevel | 'delete';
  /**
   * Object key patterns (`uploads/*`). Empty: bucket-level only (s3:ListBucket, which HeadBucket needs).
   * Any bucket access includes s3:ListBucket so HeadObject on a missing key answers 404, not 403.
   */
  prefixes: string[];
}

export interface FunctionPermissions {
  /**
   * DynamoDB table: read = GetItem/BatchGetItem/Query/ConditionCheckItem; readwrite adds Put/Update/Delete/BatchWrite;
   * none = no grant at all (TABLE_NAME is still set, as for every function: shared/config.ts validates it). No Scan for anyone.
   */
  table: AccessLevel | 'none';
  /** Only items whose partition key starts with one of these (`OUTBOX#`): an IAM dynamodb:LeadingKeys condition. */
  tableKeys?: string[];
  /**
   * Fed by the table's stream through an event source mapping (its entry in shared/streams/subscriptions.ts):
   * reads the stream, and sends descriptions of the batches it gives up on to its own failure queue.
   */
  tableStream?: boolean;
  bucket?: BucketAccess;
  /** Reads the JWT signing secret: every function that signs or verifies access tokens. */
  jwtSecret?: boolean;
  /** ses:SendEmail from the configured MAIL_FROM address only. Only the mailer: everyone else writes outbox items. */
  ses?: boolean;
  /** Queues broadcasts on the fan-out function (lambda:InvokeFunction on it, FANOUT_FUNCTION_NAME). */
  fanOut?: boolean;
  /** execute-api:ManageConnections on the WebSocket API's @connections (push to clients). */
  websocket?: boolean;
  /**
   * Creates, moves and deletes one-time EventBridge Scheduler schedules that invoke this function (`true`) or the
   * named function (`{ target }`, which then gets the schedules' dead-letter queue as its on-failure destination).
   */
  scheduler?: boolean | { target: AnyFunctionName };
  /** Reads the Stripe secrets: `key` the API secret key (STRIPE_SECRET_KEY_ARN), `webhook` also the signing secret (STRIPE_WEBHOOK_SECRET_ARN). */
  stripe?: 'key' | 'webhook';
  /**
   * Reads the log groups of every function of the stack (logs:FilterLogEvents on exactly those groups) for
   * GET /admin/system-logs: SYSTEM_LOG_GROUPS names them, SYSTEM_LOG_RETENTION_DAYS is their retention.
   */
  systemLogs?: boolean;
  /** A Lambda Function URL (no IAM auth: the caller proves itself otherwise, e.g. Stripe's signature), a stack output. */
  functionUrl?: boolean;
  /** MB; default 512. More memory is more CPU: scrypt in auth is CPU-bound. */
  memoryMb?: number;
  /** Seconds; default 10 (the HTTP API's integration timeout is 30). */
  timeoutSeconds?: number;
}

export const functionPermissions: Record<AnyFunctionName, FunctionPermissions> = {
  system: { table: 'read', bucket: { access: 'read', prefixes: [] } },
  // websocket: logout, password reset and a Google takeover close the sockets of the sessions they end.
  auth: { table: 'readwrite', jwtSecret: true, websocket: true, memoryMb: 1024 },
  // websocket: suspension closes the user's open connections.
  users: { table: 'readwrite', bucket: { access: 'readwrite', prefixes: ['avatars/*'] }, jwtSecret: true, websocket: true },
  files: { table: 'readwrite', bucket: { access: 'readwrite', prefixes: ['uploads/*', 'tmp/*'] }, jwtSecret: true },
  // Deliverable files are stored under uploads/ and task views embed presigned GET URLs.
  tasks: { table: 'readwrite', bucket: { access: 'readwrite', prefixes: ['uploads/*'] }, jwtSecret: true, websocket: true },
  // The spec's deliverables section: submissions upload files (multipart or confirmed uploads) under uploads/.
  deliverables: { table: 'readwrite', bucket: { access: 'readwrite', prefixes: ['uploads/*'] }, jwtSecret: true, websocket: true },
  // Message views embed presigned GET URLs of attachments (shared/files/view.ts); a URL signed by a role
  // without s3:GetObject on the key is refused by S3, so chats reads uploads/*.
  chats: { table: 'readwrite', bucket: { access: 'read', prefixes: ['uploads/*'] }, jwtSecret: true, websocket: true },
  // fanOut: announcements to a whole audience leave the request as an asynchronous job.
  notifications: { table: 'readwrite', jwtSecret: true, websocket: true, fanOut: true },
  // websocket: admins are told of new requests and students of decisions (notify()).
  partnership: { table: 'readwrite', jwtSecret: true, websocket: true },
  // scheduler: reminders and the end of each meeting are one-time schedules that invoke the reminders function.
  meetings: { table: 'readwrite', jwtSecret: true, websocket: true, scheduler: { target: 'reminders' } },
  // systemLogs: GET /admin/system-logs reads the functions' log groups.
  admin: { table: 'readwrite', jwtSecret: true, websocket: true, systemLogs: true },
  // Reads counters and task list entries only; readwrite because the shared rate limiter writes its window counter
  // (checkPermissionsCoverRoutes). No bucket, mail, sockets or other services.
  analytics: { table: 'readwrite', jwtSecret: true },
  // Stripe key: payment intents, and cancelling the open one before an edit; scheduler: each bill's due date
  // invokes this function; websocket: the student is told of new and overdue bills.
  billing: { table: 'readwrite', jwtSecret: true, websocket: true, scheduler: true, stripe: 'key' },
  // Stripe's events: the signing secret checks them, the key refunds a payment for a cancelled bill; a Function
  // URL is the endpoint registered with Stripe (POST /webhook/stripe on the HTTP API reaches the same code).
  webhook: { table: 'readwrite', websocket: true, stripe: 'webhook', functionUrl: true },
  // Task reports: reads the task list entries and counters (readwrite only for the rate limiter's counter), writes
  // each report under reports/ (expired by the bucket's lifecycle) and presigns a GET of it; PDFKit is bundled
  // here only. More memory is more CPU for the PDF; 29 s stays inside the HTTP API's 30 s.
  reports: { table: 'readwrite', bucket: { access: 'readwrite', prefixes: ['reports/*'] }, jwtSecret: true, memoryMb: 1536, timeoutSeconds: 29 },
  // The API reference: files shipped beside its bundle, read once per container; public, unmetered (no limiter
  // counter), so it touches nothing in AWS.
  reference: { table: 'none' },
  realtime: { table: 'readwrite', jwtSecret: true, websocket: true },
  // Walks the connection index and deletes stale connections; minutes, not the HTTP API's 30 s.
  fanout: { table: 'readwrite', websocket: true, timeoutSeconds: 300 },
  // Meeting reminders (push + notify + e-mail to the participants), end-of-meeting completion, and the recurring
  // reconcile, which creates and deletes schedules itself.
  reminders: { table: 'readwrite', websocket: true, scheduler: { target: 'reminders' }, timeoutSeconds: 120 },
  // Sends outbox items: reads one and marks it sent, nothing else in the table.
  mailer: { table: 'readwrite', tableKeys: ['OUTBOX#'], tableStream: true, ses: true, timeoutSeconds: 60 },
  // Cleans up after expired file records: deletes their objects, gives their bytes back to the owner's usage.
  expiry: {
    table: 'readwrite',
    tableKeys: ['FILE#', 'STORAGE#'],
    bucket: { access: 'delete', prefixes: ['uploads/*', 'tmp/*'] },
    tableStream: true,
    timeoutSeconds: 60,
  },
};

/** The entry of `fn`; throws at synth when a new endpoint group has none, so it cannot deploy without a decision. */
export function permissionsOf(fn: string, map: Partial<Record<string, FunctionPermissions>> = functionPermissions): FunctionPermissions {
  const entry = map[fn];
  if (!entry) throw new Error(`infra/permissions.ts has no entry for function "${fn}": add what it may access before deploying it`);
  return entry;
}

/**
 * Checks an HTTP function's entry against what its routes need from the shared pipeline: a route that is
 * not public verifies a bearer token (JWT secret), and a rate-limited route writes a counter (table readwrite).
 */
export function checkPermissionsCoverRoutes(fn: string, entry: FunctionPermissions, routes: RouteDef[]): void {
  const needsSecret = routes.filter((r) => r.access !== 'public');
  if (needsSecret.length > 0 && !entry.jwtSecret) {
    throw new Error(`infra/permissions.ts: "${fn}" serves ${needsSecret[0].method} ${needsSecret[0].path} (access ${needsSecret[0].access}) but has no jwtSecret`);
  }
  const limited = routes.filter((r) => r.rateLimit !== 'none');
  if (limited.length > 0 && entry.table !== 'readwrite') {
    throw new Error(`infra/permissions.ts: "${fn}" serves the rate-limited ${limited[0].method} ${limited[0].path} but has table "${entry.table}" (the limiter writes a counter)`);
  }
}
