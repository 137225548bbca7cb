// What tells an operator something is wrong, as deployed: the alarm topic, one alarm per failure the issue
// names (each to the topic, each explaining itself, each threshold a setting), the dashboard, the SES
// configuration set that keeps bounced and complaining addresses from getting mail, and X-Ray tracing.
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { defaultAlarmThresholds, readDeployConfig } from '../../infra/config.ts';
import { DYNAMO_OPERATIONS } from '../../infra/constructs/operations.ts';
import type { GradHelperStack } from '../../infra/stack.ts';
import { DomainMetric, HttpMetric, METRICS_NAMESPACE } from '../../shared/observability/metric-names.ts';
import { buildTestStack, TEST_CONFIG } from './fixture.ts';

type Json = any; // CloudFormation fragments

let stack: GradHelperStack;
let template: Template;
/** The same stack with some thresholds and the alarm e-mail set. */
let tuned: { stack: GradHelperStack; template: Template };

beforeAll(() => {
  ({ stack, template } = buildTestStack());
  tuned = buildTestStack({
    config: { ...TEST_CONFIG, alarmEmail: 'oncall@example.com', alarms: { http5xxRatePercent: 7, httpP99LatencyMs: 1234, sesComplaintRatePercent: 0.08 } },
  });
});

const idIn = (s: Stack, c: IConstruct) => s.getLogicalId((c.node.defaultChild ?? c) as CfnElement);
const idOf = (c: IConstruct) => idIn(stack, c);

function alarm(key: string, s = stack, t = template): Json {
  const construct = s.operations.alarms.get(key);
  expect(construct, `alarm ${key}`).toBeDefined();
  return t.findResources('AWS::CloudWatch::Alarm')[idIn(s, construct!)].Properties;
}

interface MetricRef {
  namespace: string;
  name: string;
  dimensions: Record<string, Json>;
  stat?: string;
}

/** The metrics an alarm reads, whether it watches one metric or a math expression over several. */
function metricsOf(props: Json): MetricRef[] {
  const dims = (list: Json[] = []) => Object.fromEntries(list.map((d) => [d.Name, d.Value]));
  if (props.MetricName) return [{ namespace: props.Namespace, name: props.MetricName, dimensions: dims(props.Dimensions), stat: props.Statistic ?? props.ExtendedStatistic }];
  return props.Metrics.filter((m: Json) => m.MetricStat).map((m: Json) => ({
    namespace: m.MetricStat.Metric.Namespace,
    name: m.MetricStat.Metric.MetricName,
    dimensions: dims(m.MetricStat.Metric.Dimensions),
    stat: m.MetricStat.Stat,
  }));
}

const expressionOf = (props: Json): string => props.Metrics.find((m: Json) => m.Expression).Expression;

/** A CloudFormation value as text (the dashboard body is an Fn::Join of strings and references). */
function flat(value: Json): string {
  if (typeof value === 'string') return value;
  if (value?.Ref) return `<${value.Ref}>`;
  if (value?.['Fn::GetAtt']) return `<${value['Fn::GetAtt'].join('.')}>`;
  if (value?.['Fn::Join']) return value['Fn::Join'][1].map(flat).join(value['Fn::Join'][0]);
  return JSON.stringify(value);
}

describe('alarm topic', () => {
  it('is encrypted with a rotated customer managed key that CloudWatch may use, and refuses plain HTTP', () => {
    const topic = template.findResources('AWS::SNS::Topic')[idOf(stack.operations.topic)].Properties;
    const keyId = topic.KmsMasterKeyId['Fn::GetAtt'][0];
    const key = template.findResources('AWS::KMS::Key')[keyId].Properties;
    expect(key.EnableKeyRotation).toBe(true);
    expect(key.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] }),
    );
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: idOf(stack.operations.topic) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('is the stack output AlarmTopicArn', () => {
    expect(template.findOutputs('AlarmTopicArn').AlarmTopicArn.Value).toEqual({ Ref: idOf(stack.operations.topic) });
  });

  it('gets an e-mail subscription only when alarmEmail is set', () => {
    expect(template.findResources('AWS::SNS::Subscription')).toEqual({});
    tuned.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: idIn(tuned.stack, tuned.stack.operations.topic) },
    });
  });
});

describe('every alarm', () => {
  it('notifies the topic when it fires and when it clears, and says why it matters and what to do', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBe(stack.operations.alarms.size);
    const topic = { Ref: idOf(stack.operations.topic) };
    for (const { Properties: p } of alarms) {
      expect(p.AlarmActions, p.AlarmName).toEqual([topic]);
      expect(p.OKActions, p.AlarmName).toEqual([topic]);
      expect(p.AlarmDescription.length, p.AlarmName).toBeGreaterThanOrEqual(150);
      expect(p.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
      expect(p.TreatMissingData).toBe('notBreaching');
      expect(p.AlarmName).toMatch(/^GradHelperStack-/);
    }
  });
});

describe('HTTP API alarms', () => {
  it('5xx rate: 5xx over requests of this API in percent, judged only above a minimum of requests', () => {
    const props = alarm('http-5xx-rate');
    const apiId = { Ref: idOf(stack.httpApi.api) };
    expect(metricsOf(props)).toEqual(
      expect.arrayContaining([
        { namespace: 'AWS/ApiGateway', name: '5xx', dimensions: { ApiId: apiId }, stat: 'Sum' },
        { namespace: 'AWS/ApiGateway', name: 'Count', dimensions: { ApiId: apiId }, stat: 'Sum' },
      ]),
    );
    expect(expressionOf(props)).toBe(`IF(FILL(requests, 0) >= ${defaultAlarmThresholds.http5xxMinRequests}, 100 * FILL(errors, 0) / requests, 0)`);
    expect(props.Threshold).toBe(defaultAlarmThresholds.http5xxRatePercent);
  });

  it('p99 latency of this API, over several periods in a row', () => {
    const props = alarm('http-p99-latency');
    expect(metricsOf(props)).toEqual([{ namespace: 'AWS/ApiGateway', name: 'Latency', dimensions: { ApiId: { Ref: idOf(stack.httpApi.api) } }, stat: 'p99' }]);
    expect(props).toMatchObject({ Threshold: defaultAlarmThresholds.httpP99LatencyMs, EvaluationPeriods: defaultAlarmThresholds.httpLatencyPeriods, Period: 300 });
  });

  it('take their thresholds from the stack props, and say the threshold in the description', () => {
    expect(alarm('http-5xx-rate', tuned.stack, tuned.template).Threshold).toBe(7);
    expect(alarm('http-5xx-rate', tuned.stack, tuned.template).AlarmDescription).toContain('7 %');
    expect(alarm('http-p99-latency', tuned.stack, tuned.template).Threshold).toBe(1234);
    // Thresholds not overridden keep their defaults.
    expect(alarm('function-auth-errors', tuned.stack, tuned.template).Threshold).toBe(defaultAlarmThresholds.functionErrors);
  });
});

describe('function alarms', () => {
  it('watch Errors and Throttles of every function, HTTP or not', () => {
    expect([...stack.functions.keys()]).toEqual(expect.arrayContaining(['realtime', 'fanout', 'reminders', 'mailer', 'expiry', 'webhook', 'auth']));
    for (const [name, fn] of stack.functions) {
      for (const [kind, metricName, threshold] of [
        ['errors', 'Errors', defaultAlarmThresholds.functionErrors],
        ['throttles', 'Throttles', defaultAlarmThresholds.functionThrottles],
      ] as const) {
        const props = alarm(`function-${name}-${kind}`);
        expect(metricsOf(props), name).toEqual([{ namespace: 'AWS/Lambda', name: metricName, dimensions: { FunctionName: { Ref: idOf(fn.function) } }, stat: 'Sum' }]);
        expect(props.Threshold).toBe(threshold);
      }
    }
  });
});

describe('DynamoDB alarm', () => {
  it('sums throttled requests of every operation the code uses on the table (indexes included), missing periods as 0', () => {
    const props = alarm('dynamodb-throttles');
    const metrics = metricsOf(props);
    expect(metrics.map((m) => m.dimensions.Operation).sort()).toEqual([...DYNAMO_OPERATIONS].sort());
    for (const m of metrics) expect(m).toMatchObject({ namespace: 'AWS/DynamoDB', name: 'ThrottledRequests', dimensions: { TableName: { Ref: idOf(stack.table.table) } }, stat: 'Sum' });
    expect(expressionOf(props).split(' + ')).toHaveLength(DYNAMO_OPERATIONS.length);
    expect(expressionOf(props)).toMatch(/^FILL\(\w+, 0\)( \+ FILL\(\w+, 0\))+$/);
    expect(props.Threshold).toBe(defaultAlarmThresholds.dynamoThrottledRequests);
  });
});

describe('failure queue alarms', () => {
  it('watch every queue of the stack for a visible message', () => {
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
    const watched = [...stack.operations.alarms]
      .filter(([key]) => key.startsWith('dlq-'))
      .map(([key]) => metricsOf(alarm(key))[0]);
    for (const m of watched) expect(m).toMatchObject({ namespace: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', stat: 'Maximum' });
    expect(watched.map((m) => m.dimensions.QueueName['Fn::GetAtt'][0]).sort()).toEqual(queues.sort());
    expect(alarm('dlq-mailer-stream').Threshold).toBe(1);
  });

  it('cover the mail and expiry stream consumers, the schedules (bills, reminders) and the fan-out', () => {
    const queueOf = (key: string) => metricsOf(alarm(key))[0].dimensions.QueueName['Fn::GetAtt'][0];
    expect(queueOf('dlq-mailer-stream')).toBe(idOf(stack.streamSubscriptions.get('mailer')!.failureQueue));
    expect(queueOf('dlq-expiry-stream')).toBe(idOf(stack.streamSubscriptions.get('expiry')!.failureQueue));
    expect(queueOf('dlq-schedules')).toBe(idOf(stack.schedulerConstruct!.deadLetterQueue));
    expect(queueOf('dlq-fanout')).toBe(idOf(stack.fanOutFailures!.queue));
  });

  it('the fan-out function, invoked asynchronously, sends events that failed its retries to its own queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: idOf(stack.functions.get('fanout')!.function) },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [idOf(stack.fanOutFailures!.queue), 'Arn'] } } },
    });
    expect(template.findResources('AWS::SQS::Queue')[idOf(stack.fanOutFailures!.queue)].Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });
});

describe('Stripe webhook alarms', () => {
  it("watch the 5xx answers of the webhook function's URL", () => {
    const props = alarm('webhook-5xx');
    expect(metricsOf(props)).toEqual([{ namespace: 'AWS/Lambda', name: 'Url5xxCount', dimensions: { FunctionName: { Ref: idOf(stack.functions.get('webhook')!.function) } }, stat: 'Sum' }]);
    expect(props.Threshold).toBe(defaultAlarmThresholds.webhook5xx);
  });

  it('watch the signature failures the webhook function counts', () => {
    const props = alarm('webhook-signature-failures');
    expect(metricsOf(props)).toEqual([{ namespace: METRICS_NAMESPACE, name: DomainMetric.webhookSignatureFailures, dimensions: { Service: 'webhook' }, stat: 'Sum' }]);
    expect(props.Threshold).toBe(defaultAlarmThresholds.webhookSignatureFailures);
  });
});

describe('SES alarms', () => {
  it('watch the account bounce and complaint rates well below the levels SES reviews accounts at (5 %, 0.1 %)', () => {
    const bounce = alarm('ses-bounce-rate');
    const complaint = alarm('ses-complaint-rate');
    expect(metricsOf(bounce)).toEqual([{ namespace: 'AWS/SES', name: 'Reputation.BounceRate', dimensions: {}, stat: 'Maximum' }]);
    expect(metricsOf(complaint)).toEqual([{ namespace: 'AWS/SES', name: 'Reputation.ComplaintRate', dimensions: {}, stat: 'Maximum' }]);
    // SES publishes fractions; the settings are percent.
    expect(bounce.Threshold).toBeCloseTo(defaultAlarmThresholds.sesBounceRatePercent / 100);
    expect(bounce.Threshold).toBeLessThan(0.05);
    expect(complaint.Threshold).toBeLessThan(0.001);
    expect(alarm('ses-complaint-rate', tuned.stack, tuned.template).Threshold).toBeCloseTo(0.0008);
  });
});

describe('SES configuration set', () => {
  const setId = () => idOf(stack.mailer.configurationSet);

  it('suppresses addresses that bounce or complain and publishes reputation metrics', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      SuppressionOptions: { SuppressedReasons: Match.arrayEquals(['BOUNCE', 'COMPLAINT']) },
      ReputationOptions: { ReputationMetricsEnabled: true },
    });
  });

  it('sends bounce and complaint events (and sends, deliveries, rejects) to CloudWatch', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: { Ref: setId() },
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: Match.arrayWith(['bounce', 'complaint']),
        CloudWatchDestination: { DimensionConfigurations: [{ DimensionName: 'ses:configuration-set', DimensionValueSource: 'messageTag', DefaultDimensionValue: { Ref: setId() } }] },
      },
    });
  });

  it('is what the mailer sends through: SES_CONFIGURATION_SET, and SendEmail allowed on it', () => {
    const mailer = template.findResources('AWS::Lambda::Function')[idOf(stack.functions.get('mailer')!.function)].Properties;
    expect(mailer.Environment.Variables.SES_CONFIGURATION_SET).toEqual({ Ref: setId() });
    const roleId = idOf(stack.functions.get('mailer')!.role);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: Json) => p.Properties.Roles.some((r: Json) => r.Ref === roleId))
      .flatMap((p: Json) => p.Properties.PolicyDocument.Statement);
    const send = statements.find((s: Json) => s.Action === 'ses:SendEmail');
    expect(send.Resource.map(flat)).toContainEqual(`arn:<AWS::Partition>:ses:<AWS::Region>:<AWS::AccountId>:configuration-set/<${setId()}>`);
    expect(send.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'no-reply@example.com' } });
    // Nobody else sends mail, so nobody else needs the set.
    for (const [name] of [...stack.functions].filter(([n]) => n !== 'mailer')) {
      const vars = template.findResources('AWS::Lambda::Function')[idOf(stack.functions.get(name)!.function)].Properties.Environment.Variables;
      expect(vars.SES_CONFIGURATION_SET, name).toBeUndefined();
    }
  });
});

describe('tracing', () => {
  it('is active on every function, and every function may send its segments', () => {
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(stack.functions.size);
    for (const [name, fn] of stack.functions) {
      expect(functions[idOf(fn.function)].Properties.TracingConfig, name).toEqual({ Mode: 'Active' });
    }
  });

  it('every function knows the namespace of its metric lines', () => {
    for (const [name, fn] of stack.functions) {
      const vars = template.findResources('AWS::Lambda::Function')[idOf(fn.function)].Properties.Environment.Variables;
      expect(vars.METRICS_NAMESPACE, name).toBe(METRICS_NAMESPACE);
    }
  });
});

describe('dashboard', () => {
  const body = () => flat(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);

  it('is one dashboard', () => {
    expect(Object.keys(template.findResources('AWS::CloudWatch::Dashboard'))).toHaveLength(1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'GradHelperStack-operations' });
  });

  it('graphs every metric of the catalogue the functions write', () => {
    for (const name of [...Object.values(HttpMetric), ...Object.values(DomainMetric)]) {
      expect(body(), name).toContain(`MetricName=\\"${name}\\"`);
    }
  });

  it('graphs the HTTP API, every function, every failure queue, DynamoDB throttles and SES, and shows every alarm', () => {
    const text = body();
    for (const metric of ['"AWS/ApiGateway","Count"', '"AWS/ApiGateway","5xx"', '"AWS/ApiGateway","Latency"', '"AWS/DynamoDB","ThrottledRequests"', '"AWS/SES","Bounce"', '"AWS/SES","Complaint"', '"AWS/SES","Reputation.BounceRate"', '"AWS/Lambda","Url5xxCount"']) {
      expect(text, metric).toContain(metric);
    }
    for (const [name, fn] of stack.functions) {
      for (const metric of ['Invocations', 'Errors', 'Throttles', 'Duration']) expect(text, `${name} ${metric}`).toContain(`"AWS/Lambda","${metric}","FunctionName","<${idOf(fn.function)}>"`);
    }
    for (const queue of Object.keys(template.findResources('AWS::SQS::Queue'))) expect(text).toContain(`"QueueName","<${queue}.QueueName>"`);
    for (const alarm of stack.operations.alarms.values()) expect(text).toContain(`<${idOf(alarm)}.Arn>`);
  });
});

describe('alarm thresholds in CDK context', () => {
  const withContext = (context: Record<string, unknown>) => new Stack(new App({ context }), 'S');

  it('are read as alarm<Setting> keys, the rest keeping their defaults', () => {
    const config = readDeployConfig(withContext({ alarmHttpP99LatencyMs: '4000', alarmSesBounceRatePercent: '1.5', alarmEmail: 'ops@example.com' }));
    expect(config.alarms).toEqual({ ...defaultAlarmThresholds, httpP99LatencyMs: 4000, sesBounceRatePercent: 1.5 });
    expect(config.alarmEmail).toBe('ops@example.com');
  });

  it('refuse a threshold that is not a positive number and an alarm e-mail that is not an address', () => {
    expect(() => readDeployConfig(withContext({ alarmFunctionErrors: 'many' }))).toThrow('alarmFunctionErrors');
    expect(() => readDeployConfig(withContext({ alarmEmail: 'oncall' }))).toThrow('alarmEmail');
  });
});
