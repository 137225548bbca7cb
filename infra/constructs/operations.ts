// What tells an operator that something is wrong: one SNS topic every alarm notifies (a stack output; an
// e-mail subscription when `alarmEmail` is set), the alarms themselves, each saying in its description why it
// matters and what to do first, and one dashboard. Thresholds come from infra/config.ts (AlarmThresholds);
// the custom metrics' names from shared/observability/metric-names.ts, which the functions write in the
// embedded metric format. docs/operations.md is the operator's side of this file.
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { Dimension, DomainMetric, HttpMetric, METRICS_NAMESPACE } from '../../shared/observability/metric-names.ts';
import type { AlarmThresholds } from '../config.ts';
import type { ContractHttpApi } from './http-api.ts';
import { SES_METRIC_DIMENSION, type Mailer } from './mailer.ts';
import type { ProjectFunction } from './project-function.ts';
import type { AppTable } from './table.ts';

/** Every alarm and graph looks at 5-minute periods. */
export const PERIOD = Duration.minutes(5);

/**
 * The DynamoDB operations the code issues. ThrottledRequests is published per operation and counts a request
 * throttled on the table or on any of its indexes (a write throttled by a GSI counts against the write), so the
 * sum over these covers both; Read/WriteThrottleEvents would need one metric per index and count events, not
 * the requests a user waited on.
 */
export const DYNAMO_OPERATIONS = ['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'] as const;

/** A queue nobody consumes: messages there are work that failed every retry. */
export interface DeadLetterQueue {
  /** Short name for the alarm (`mailer-stream`). */
  name: string;
  queue: sqs.IQueue;
  /** What lands there and how to deal with it (goes into the alarm's description). */
  holds: string;
}

export interface OperationsProps {
  thresholds: AlarmThresholds;
  alarmEmail: string;
  functions: ReadonlyMap<string, ProjectFunction>;
  httpApi: ContractHttpApi;
  table: AppTable;
  mailer: Mailer;
  deadLetterQueues: readonly DeadLetterQueue[];
  /** The function behind the Stripe webhook (its Function URL), when the stack has one. */
  webhook?: ProjectFunction;
}

export class Operations extends Construct {
  readonly topic: sns.Topic;
  /** Every alarm by a short key (`http-5xx-rate`, `function-auth-errors`, `dlq-mailer-stream`...). */
  readonly alarms = new Map<string, cloudwatch.Alarm>();
  readonly dashboard: cloudwatch.Dashboard;
  private readonly action: actions.SnsAction;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    const t = props.thresholds;

    // CloudWatch can publish to an encrypted topic only through a customer managed key whose policy lets it
    // (the AWS managed aws/sns key does not), so the topic gets its own key.
    const key = new kms.Key(this, 'topic-key', { enableKeyRotation: true, description: 'GradHelper alarm topic' });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'topic', { displayName: 'GradHelper alarms', masterKey: key, enforceSSL: true });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        actions: ['sns:Publish'],
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    this.action = new actions.SnsAction(this.topic);

    // ---- HTTP API ----
    const api = props.httpApi.api;
    const requests = api.metricCount({ period: PERIOD, statistic: 'Sum' });
    const serverErrors = api.metricServerError({ period: PERIOD, statistic: 'Sum' });
    this.alarm('http-5xx-rate', {
      metric: new cloudwatch.MathExpression({
        // Not judged below the minimum volume; FILL: a period with requests but no 5xx datapoint is 0 %.
        expression: `IF(FILL(requests, 0) >= ${t.http5xxMinRequests}, 100 * FILL(errors, 0) / requests, 0)`,
        usingMetrics: { requests, errors: serverErrors },
        period: PERIOD,
        label: 'HTTP API 5xx %',
      }),
      threshold: t.http5xxRatePercent,
      description:
        `More than ${t.http5xxRatePercent} % of the HTTP API's answers were 5xx in 5 minutes (at least ${t.http5xxMinRequests} requests): users see "something went wrong". ` +
        'Look at the dashboard\'s 5xx per function group to find the group, then run the "unexpected errors" Logs Insights query of docs/operations.md on its log group; each line has the route, request id and trace id.',
    });
    this.alarm('http-p99-latency', {
      metric: api.metricLatency({ period: PERIOD, statistic: 'p99' }),
      threshold: t.httpP99LatencyMs,
      evaluationPeriods: t.httpLatencyPeriods,
      description:
        `The HTTP API's p99 latency stayed above ${t.httpP99LatencyMs} ms for ${t.httpLatencyPeriods} periods of 5 minutes in a row: the slowest requests approach the 30 s integration timeout or users wait. ` +
        'Find the slow group in the dashboard (latency per function group), then its traces in X-Ray (filter on the function, sort by duration): a slow DynamoDB or Stripe call shows as a long subsegment; many cold starts show as Initialization.',
    });

    // ---- Functions ----
    for (const [name, fn] of [...props.functions].sort(([a], [b]) => a.localeCompare(b))) {
      this.alarm(`function-${name}-errors`, {
        metric: fn.function.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        threshold: t.functionErrors,
        description:
          `The ${name} function failed ${t.functionErrors} or more invocations in 5 minutes: a crash, a timeout or a failed cold start (handled errors are answered, not counted here). ` +
          `Open its log group (/aws/lambda/... of ${name}) filtered on "ERROR" or "Task timed out" and its X-Ray traces with faults; an init failure names the missing environment variable.`,
      });
      this.alarm(`function-${name}-throttles`, {
        metric: fn.function.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        threshold: t.functionThrottles,
        description:
          `The ${name} function was throttled ${t.functionThrottles} or more times in 5 minutes: Lambda refused invocations because the account's concurrency is exhausted, so requests failed with 429/5xx or events waited. ` +
          'Check ConcurrentExecutions for the account and which function is flooding it; ask AWS for a higher concurrency quota if traffic is genuine.',
      });
    }

    // ---- DynamoDB ----
    const throttled = Object.fromEntries(
      DYNAMO_OPERATIONS.map((op) => [
        op.toLowerCase(),
        new cloudwatch.Metric({
          namespace: 'AWS/DynamoDB',
          metricName: 'ThrottledRequests',
          dimensionsMap: { TableName: props.table.table.tableName, Operation: op },
          period: PERIOD,
          statistic: 'Sum',
        }),
      ]),
    );
    this.alarm('dynamodb-throttles', {
      metric: new cloudwatch.MathExpression({
        // Each operation's metric exists only in periods it was throttled; FILL keeps the sum from vanishing.
        expression: Object.keys(throttled).map((id) => `FILL(${id}, 0)`).join(' + '),
        usingMetrics: throttled,
        period: PERIOD,
        label: 'DynamoDB throttled requests',
      }),
      threshold: t.dynamoThrottledRequests,
      description:
        `${t.dynamoThrottledRequests} or more DynamoDB requests on the table or its indexes were throttled in 5 minutes (after the SDK's own retries, they fail the request). ` +
        'On demand, this is a hot partition or a sudden jump past twice the previous peak: see which operation in the dashboard, and the table\'s CloudWatch Contributor Insights for the hot key.',
    });

    // ---- Dead-letter and on-failure queues ----
    for (const dlq of props.deadLetterQueues) {
      this.alarm(`dlq-${dlq.name}`, {
        metric: dlq.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum' }),
        threshold: t.deadLetterMessages,
        description: `Messages are waiting in the ${dlq.name} failure queue: work that failed every retry and will not happen by itself. It holds ${dlq.holds}`,
      });
    }

    // ---- Stripe webhook ----
    if (props.webhook) {
      this.alarm('webhook-5xx', {
        metric: new cloudwatch.Metric({
          namespace: 'AWS/Lambda',
          metricName: 'Url5xxCount',
          dimensionsMap: { FunctionName: props.webhook.function.functionName },
          period: PERIOD,
          statistic: 'Sum',
        }),
        threshold: t.webhook5xx,
        description:
          `The Stripe webhook's URL answered 5xx ${t.webhook5xx} or more times in 5 minutes: a payment's outcome was not recorded. Stripe retries for 3 days, then disables the endpoint. ` +
          'Run the "unexpected errors" query of docs/operations.md on the webhook log group; the Stripe dashboard (Developers > Webhooks) shows each failed delivery and can resend it.',
      });
      this.alarm('webhook-signature-failures', {
        metric: this.custom(DomainMetric.webhookSignatureFailures, { [Dimension.service]: props.webhook.name }),
        threshold: t.webhookSignatureFailures,
        description:
          `${t.webhookSignatureFailures} or more Stripe deliveries had a bad signature in 5 minutes. After a rotation of the endpoint's signing secret this is every delivery: copy the new whsec_ value into the StripeWebhookSecretArn secret (docs/deploy.md). ` +
          'Otherwise someone is posting to the URL; nothing they send is acted on.',
      });
    }

    // ---- SES (account reputation, what SES reviews the account on) ----
    this.alarm('ses-bounce-rate', {
      metric: new cloudwatch.Metric({ namespace: 'AWS/SES', metricName: 'Reputation.BounceRate', period: PERIOD, statistic: 'Maximum' }),
      // SES publishes the rates as fractions.
      threshold: t.sesBounceRatePercent / 100,
      description:
        `The account's SES bounce rate is above ${t.sesBounceRatePercent} % (SES reviews the account at 5 % and may pause sending at 10 %). ` +
        'Hard-bounced addresses are already suppressed; look for where bad addresses come from (sign-ups with typos, an imported list) in the configuration set\'s Bounce metric and the SES console\'s suppression list.',
    });
    this.alarm('ses-complaint-rate', {
      metric: new cloudwatch.Metric({ namespace: 'AWS/SES', metricName: 'Reputation.ComplaintRate', period: PERIOD, statistic: 'Maximum' }),
      threshold: t.sesComplaintRatePercent / 100,
      description:
        `The account's SES complaint rate is above ${t.sesComplaintRatePercent} % (SES reviews the account at 0.1 % and may pause sending at 0.5 %). ` +
        'Complaining addresses are already suppressed; check which mail is marked as spam (notification e-mails a user did not expect) and whether users can turn it off.',
    });

    this.dashboard = this.buildDashboard(props);
  }

  /** A custom metric of the functions' embedded-metric lines. */
  custom(metricName: string, dimensionsMap: Record<string, string>, statistic = 'Sum'): cloudwatch.Metric {
    return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap, period: PERIOD, statistic });
  }

  private alarm(key: string, spec: { metric: cloudwatch.IMetric; threshold: number; evaluationPeriods?: number; description: string }): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `alarm-${key}`, {
      alarmName: `${Stack.of(this).stackName}-${key}`,
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      // No data is no traffic (or, for the custom and reputation metrics, nothing happened): not an incident.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
    this.alarms.set(key, alarm);
    return alarm;
  }

  private buildDashboard(props: OperationsProps): cloudwatch.Dashboard {
    const api = props.httpApi.api;
    const fns = [...props.functions].sort(([a], [b]) => a.localeCompare(b));
    /** One line per combination of `schema`'s dimensions that wrote `metricName` (new groups, routes, codes appear by themselves). */
    const bySearch = (schema: string, metricName: string, statistic = 'Sum') =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('${schema} MetricName="${metricName}"', '${statistic}', ${PERIOD.toSeconds()})`,
        usingMetrics: {},
        period: PERIOD,
        label: metricName,
      });
    /** One line per Service (function group) that wrote `metricName`. */
    const perService = (metricName: string, statistic = 'Sum') => bySearch(`{${METRICS_NAMESPACE},${Dimension.service}}`, metricName, statistic);
    const graph = (title: string, left: cloudwatch.IMetric[], width = 8, right?: cloudwatch.IMetric[]) =>
      new cloudwatch.GraphWidget({ title, left, right, width, height: 6, period: PERIOD });
    const perFunction = (metric: (fn: ProjectFunction) => cloudwatch.IMetric) => fns.map(([, fn]) => metric(fn));
    const ses = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/SES',
        metricName,
        dimensionsMap: { [SES_METRIC_DIMENSION]: props.mailer.configurationSet.configurationSetName },
        period: PERIOD,
        statistic: 'Sum',
      });

    const dashboard = new cloudwatch.Dashboard(this, 'dashboard', {
      dashboardName: `${Stack.of(this).stackName}-operations`,
      defaultInterval: Duration.hours(6),
    });
    dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: '## GradHelper operations\nAlarms, then the HTTP API, each function group, realtime, payments, reminders and mail. What each graph means and what to do: docs/operations.md.',
        width: 24,
        height: 2,
      }),
    );
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...this.alarms.values()], width: 24, height: 6 }));
    dashboard.addWidgets(
      graph('HTTP API requests', [api.metricCount({ period: PERIOD, statistic: 'Sum', label: 'requests' })]),
      graph('HTTP API 4xx and 5xx', [api.metricClientError({ period: PERIOD, statistic: 'Sum', label: '4xx' }), api.metricServerError({ period: PERIOD, statistic: 'Sum', label: '5xx' })]),
      graph('HTTP API latency (ms)', [
        api.metricLatency({ period: PERIOD, statistic: 'p50', label: 'p50' }),
        api.metricLatency({ period: PERIOD, statistic: 'p99', label: 'p99' }),
        api.metricIntegrationLatency({ period: PERIOD, statistic: 'p99', label: 'integration p99' }),
      ]),
    );
    dashboard.addWidgets(
      graph('Requests per function group', [perService(HttpMetric.requests)], 6),
      graph('5xx per function group', [perService(HttpMetric.status5xx)], 6),
      graph('Unexpected errors per function group', [perService(HttpMetric.unexpectedErrors)], 6),
      graph('Handler latency p99 per function group (ms)', [perService(HttpMetric.latency, 'p99')], 6),
    );
    dashboard.addWidgets(
      graph('Invocations per function', perFunction((fn) => fn.function.metricInvocations({ period: PERIOD, statistic: 'Sum', label: fn.name })), 6),
      graph('Errors per function', perFunction((fn) => fn.function.metricErrors({ period: PERIOD, statistic: 'Sum', label: fn.name })), 6),
      graph('Throttles per function', perFunction((fn) => fn.function.metricThrottles({ period: PERIOD, statistic: 'Sum', label: fn.name })), 6),
      graph('Duration p99 per function (ms)', perFunction((fn) => fn.function.metricDuration({ period: PERIOD, statistic: 'p99', label: fn.name })), 6),
    );
    dashboard.addWidgets(
      graph('Socket connects and disconnects', [perService(DomainMetric.socketConnects), perService(DomainMetric.socketDisconnects)]),
      graph('Pushes sent and stale connections removed', [perService(DomainMetric.pushesSent), perService(DomainMetric.staleConnectionsRemoved)]),
      graph('Sign-ups, failed sign-ins, messages', [perService(DomainMetric.signUps), perService(DomainMetric.signInFailures), perService(DomainMetric.messagesSent)]),
    );
    dashboard.addWidgets(
      graph('Error answers by code', [bySearch(`{${METRICS_NAMESPACE},${Dimension.service},${Dimension.errorCode}}`, HttpMetric.errorResponses)], 8),
      graph('2xx and 4xx per function group', [perService(HttpMetric.status2xx), perService(HttpMetric.status4xx)], 8),
      graph('Tasks entering each status', [bySearch(`{${METRICS_NAMESPACE},${Dimension.service},${Dimension.status}}`, DomainMetric.taskStatusChanges)], 8),
    );
    dashboard.addWidgets(
      graph('Payments', [perService(DomainMetric.paymentsSucceeded), perService(DomainMetric.paymentsFailed)]),
      graph(
        'Stripe webhook',
        [perService(DomainMetric.webhookFailures), perService(DomainMetric.webhookSignatureFailures)],
        8,
        props.webhook
          ? ['UrlRequestCount', 'Url5xxCount'].map(
              (metricName) =>
                new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName, dimensionsMap: { FunctionName: props.webhook!.function.functionName }, period: PERIOD, statistic: 'Sum', label: `URL ${metricName}` }),
            )
          : undefined,
      ),
      graph('Meeting reminders sent', [perService(DomainMetric.remindersSent)]),
    );
    dashboard.addWidgets(
      graph('Mail sent and failed (mailer)', [perService(DomainMetric.mailsSent), perService(DomainMetric.mailsFailed)]),
      graph('SES: sends, deliveries, bounces, complaints, rejects', ['Send', 'Delivery', 'Bounce', 'Complaint', 'Reject'].map(ses)),
      graph('SES reputation (fraction)', [
        new cloudwatch.Metric({ namespace: 'AWS/SES', metricName: 'Reputation.BounceRate', period: PERIOD, statistic: 'Maximum', label: 'bounce rate' }),
        new cloudwatch.Metric({ namespace: 'AWS/SES', metricName: 'Reputation.ComplaintRate', period: PERIOD, statistic: 'Maximum', label: 'complaint rate' }),
      ]),
    );
    dashboard.addWidgets(
      graph(
        'Messages in failure queues',
        props.deadLetterQueues.map((d) => d.queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: d.name })),
        12,
      ),
      graph(
        'DynamoDB throttled requests by operation',
        DYNAMO_OPERATIONS.map(
          (op) =>
            new cloudwatch.Metric({
              namespace: 'AWS/DynamoDB',
              metricName: 'ThrottledRequests',
              dimensionsMap: { TableName: props.table.table.tableName, Operation: op },
              period: PERIOD,
              statistic: 'Sum',
              label: op,
            }),
        ),
        12,
      ),
    );
    return dashboard;
  }
}
