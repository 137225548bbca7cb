// One-time EventBridge Scheduler schedules (meeting reminders, bill due dates) in the app's own schedule group.
// A function bound here may create, move and delete schedules in that group and hand them the one role the
// Scheduler assumes; that role may invoke only the functions named as targets (the function itself, or another
// one such as the reminders function the meetings function schedules). Every schedule's invocations that still
// fail after its retry policy go to the dead-letter queue, and so do a target's failed asynchronous invocations
// (its on-failure destination). Created only when some entry of infra/permissions.ts asks for `scheduler`.
import { Aws, Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ProjectFunction } from './project-function.ts';

export class ReminderScheduler extends Construct {
  readonly group: scheduler.CfnScheduleGroup;
  /** Assumed by EventBridge Scheduler to invoke the target functions. */
  readonly invokeRole: iam.Role;
  /** Schedule invocations that failed every retry, and targets' failed asynchronous invocations (14 days). */
  readonly deadLetterQueue: sqs.Queue;
  private readonly targets = new Set<ProjectFunction>();

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.group = new scheduler.CfnScheduleGroup(this, 'group', {});
    this.invokeRole = new iam.Role(this, 'invoke-role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge Scheduler invokes GradHelper functions for one-time reminders',
    });
    this.deadLetterQueue = new sqs.Queue(this, 'dead-letters', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    this.deadLetterQueue.grantSendMessages(this.invokeRole);
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue (of the schedules and of their target functions); a dead-letter queue has none of its own.',
    });
  }

  /**
   * SCHEDULE_GROUP_NAME, SCHEDULER_ROLE_ARN and SCHEDULE_DLQ_ARN for `fn`, which manages the schedules; they may
   * invoke `target` (default `fn` itself), whose ARN `fn` gets as `<TARGET>_FUNCTION_ARN` when it is another function.
   */
  allow(fn: ProjectFunction, target: ProjectFunction = fn): void {
    const groupName = this.group.ref;
    fn.addEnvironment('SCHEDULE_GROUP_NAME', groupName);
    fn.addEnvironment('SCHEDULER_ROLE_ARN', this.invokeRole.roleArn);
    fn.addEnvironment('SCHEDULE_DLQ_ARN', this.deadLetterQueue.queueArn);
    // A function that targets itself learns its ARN from its invocation context (its own ARN in its environment would be a cycle).
    if (target !== fn) fn.addEnvironment(`${target.name.toUpperCase()}_FUNCTION_ARN`, target.function.functionArn);
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ManageSchedules',
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
        resources: [`arn:${Aws.PARTITION}:scheduler:${Aws.REGION}:${Aws.ACCOUNT_ID}:schedule/${groupName}/*`],
      }),
    );
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PassSchedulerRole',
        actions: ['iam:PassRole'],
        resources: [this.invokeRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    this.addTarget(target);
    fn.acknowledge(
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<${this.logicalId()}>/*]`,
      'Schedules are named per meeting or bill at run time; the grant covers only schedules inside the schedule group of this stack.',
    );
  }

  /** A schedule that repeats (`rate(15 minutes)`), invoking `target` with `input`, with the same retries and dead letters. */
  recurring(id: string, target: ProjectFunction, expression: string, input: unknown): scheduler.CfnSchedule {
    this.addTarget(target);
    return new scheduler.CfnSchedule(this, id, {
      groupName: this.group.ref,
      scheduleExpression: expression,
      flexibleTimeWindow: { mode: 'FLEXIBLE', maximumWindowInMinutes: 5 },
      target: {
        arn: target.function.functionArn,
        roleArn: this.invokeRole.roleArn,
        input: JSON.stringify(input),
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
      },
    });
  }

  /** The invoke role may call `target`; its failed asynchronous invocations go to the dead-letter queue. */
  private addTarget(target: ProjectFunction): void {
    if (this.targets.has(target)) return;
    this.targets.add(target);
    this.invokeRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [target.function.functionArn] }));
    target.function.configureAsyncInvoke({ onFailure: new destinations.SqsDestination(this.deadLetterQueue), retryAttempts: 2 });
  }

  private logicalId(): string {
    return this.group.stack.resolve(this.group.logicalId) as string;
  }
}
