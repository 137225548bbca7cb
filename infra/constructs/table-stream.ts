// A function fed by the table's stream: an event source mapping with the filters and failure rules of its
// entry in shared/streams/subscriptions.ts (the same ones the local stack's poller applies), reporting batch
// item failures, splitting a failing batch to isolate the bad record, and describing every batch it gives
// up on in an SQS queue (the records themselves stay in the table: an outbox item stays unsent, for a redrive).
import { Duration, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { StreamSubscription } from '../../shared/streams/subscriptions.ts';
import type { ProjectFunction } from './project-function.ts';
import type { AppTable } from './table.ts';

export class TableStreamSubscription extends Construct {
  /** Where descriptions of given-up batches go (shard, sequence range, error); kept 14 days. */
  readonly failureQueue: sqs.Queue;
  readonly source: DynamoEventSource;

  constructor(scope: Construct, id: string, props: { table: AppTable; fn: ProjectFunction; subscription: StreamSubscription }) {
    super(scope, id);
    const { table, fn, subscription } = props;
    this.failureQueue = new sqs.Queue(this, 'failures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the on-failure destination of the stream event source mapping: it holds descriptions of given-up batches (shard, sequence range, error) for an operator to read and redrive from; a dead-letter queue behind it would hold the same messages nobody consumes.',
    });
    this.source = new DynamoEventSource(table.table, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      filters: subscription.filters.map((pattern) => lambda.FilterCriteria.filter(pattern)),
      batchSize: subscription.batchSize,
      retryAttempts: subscription.retryAttempts,
      maxRecordAge: Duration.seconds(subscription.maxRecordAgeSeconds),
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      parallelizationFactor: 1,
      onFailure: new SqsDlq(this.failureQueue),
    });
    fn.function.addEventSource(this.source);
    fn.acknowledge(
      'AwsSolutions-IAM5[Resource::*]',
      'dynamodb:ListStreams has no resource-level permissions (it names no resource type in the service authorization reference), and the event source mapping calls it with the execution role; every other stream action (DescribeStream, GetRecords, GetShardIterator) is granted on this one table stream only.',
    );
  }
}
