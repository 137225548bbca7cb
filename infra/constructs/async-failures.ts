// Where a function's failed asynchronous invocations go (InvocationType Event: the fan-out's broadcasts).
// Lambda retries an event twice; after that, without a destination, the event is dropped and nobody learns
// that an announcement reached no one. With one, the event and its error wait here 14 days for an operator,
// and the dead-letter alarm (infra/constructs/operations.ts) says so.
import { Duration, Validations } from 'aws-cdk-lib';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ProjectFunction } from './project-function.ts';

export class AsyncFailureQueue extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: { fn: ProjectFunction }) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself the on-failure destination of the function's asynchronous invocations: it holds the failed events with their error for an operator to read and replay; a dead-letter queue behind it would hold the same messages nobody consumes.",
    });
    props.fn.function.configureAsyncInvoke({ onFailure: new destinations.SqsDestination(this.queue), retryAttempts: 2 });
  }
}
