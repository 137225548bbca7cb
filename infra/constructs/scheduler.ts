// One-time EventBridge Scheduler schedules (meeting reminders) in the app's own schedule group. A function
// bound here may create, move and delete schedules in that group and hand them the one role that may invoke
// it; nothing else. Created only when some entry of infra/permissions.ts asks for `scheduler`.
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import type { ProjectFunction } from './project-function.ts';

export class ReminderScheduler extends Construct {
  readonly group: scheduler.CfnScheduleGroup;
  /** Assumed by EventBridge Scheduler to invoke the target function. */
  readonly invokeRole: iam.Role;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.group = new scheduler.CfnScheduleGroup(this, 'group', {});
    this.invokeRole = new iam.Role(this, 'invoke-role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge Scheduler invokes GradHelper functions for one-time reminders',
    });
  }

  /** SCHEDULE_GROUP_NAME and SCHEDULER_ROLE_ARN for `fn`; the schedules may invoke `fn` only. */
  allow(fn: ProjectFunction): void {
    const groupName = this.group.ref;
    fn.addEnvironment('SCHEDULE_GROUP_NAME', groupName);
    fn.addEnvironment('SCHEDULER_ROLE_ARN', this.invokeRole.roleArn);
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
    this.invokeRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.function.functionArn] }),
    );
    fn.acknowledge(
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<${this.logicalId()}>/*]`,
      'Schedules are named per meeting at run time; the grant covers only schedules inside the schedule group of this stack.',
    );
  }

  private logicalId(): string {
    return this.group.stack.resolve(this.group.logicalId) as string;
  }
}
