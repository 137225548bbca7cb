// The catalogue of the custom CloudWatch metrics the functions write (embedded metric format, in their log
// lines) and the stack's alarms and dashboard read. One list, so a renamed metric breaks a test, not a graph.

/** CloudWatch namespace of every custom metric (the stack passes it as METRICS_NAMESPACE). */
export const METRICS_NAMESPACE = 'GradHelper';

/** Dimension names. `Service` is the function group (contract `fn`, or `realtime`, `mailer`...). */
export const Dimension = {
  service: 'Service',
  /** Route key as the contract spells it: `POST /tasks/{taskId}/assign`. */
  route: 'Route',
  /** Error envelope code: `VALIDATION_ERROR`, `NOT_FOUND`, `INTERNAL_ERROR`... */
  errorCode: 'ErrorCode',
  /** Task status a task moved to. */
  status: 'Status',
} as const;

/** HTTP routes, one set per request, dimensions [Service] and [Service, Route]. */
export const HttpMetric = {
  requests: 'Requests',
  latency: 'Latency', // Milliseconds, handler time from the pipeline's first line to its answer
  status2xx: 'Status2xx',
  status4xx: 'Status4xx',
  status5xx: 'Status5xx',
  /** Error answers by code, dimensions [Service, ErrorCode]. */
  errorResponses: 'ErrorResponses',
  /** Unexpected errors (a bug or an outage, answered 500), dimensions [Service] and [Service, Route]. */
  unexpectedErrors: 'UnexpectedErrors',
} as const;

/** What the domains record, dimension [Service] unless noted. All Count. */
export const DomainMetric = {
  signUps: 'SignUps',
  signInFailures: 'SignInFailures',
  /** Dimensions [Service, Status]: a task entering a status (created = pending). */
  taskStatusChanges: 'TaskStatusChanges',
  messagesSent: 'MessagesSent',
  socketConnects: 'SocketConnects',
  socketDisconnects: 'SocketDisconnects',
  pushesSent: 'PushesSent',
  staleConnectionsRemoved: 'StaleConnectionsRemoved',
  paymentsSucceeded: 'PaymentsSucceeded',
  paymentsFailed: 'PaymentsFailed',
  webhookSignatureFailures: 'WebhookSignatureFailures',
  /** A webhook delivery answered with a 5xx (Stripe retries it). */
  webhookFailures: 'WebhookFailures',
  remindersSent: 'RemindersSent',
  mailsSent: 'MailsSent',
  mailsFailed: 'MailsFailed',
} as const;
