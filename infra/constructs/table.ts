// The single table, built from shared/db/table.ts (the same definition DynamoDB Local gets), so the
// keys, indexes and TTL attribute in AWS cannot drift from the ones the tests run against.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { tableDefinition } from '../../shared/db/table.ts';

const stringKey = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

export class AppTable extends Construct {
  readonly table: dynamodb.Table;
  /** ARNs of the GSIs by name: Query grants name them instead of `index/*`. */
  readonly indexArns: string[];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'table', {
      partitionKey: stringKey(tableDefinition.partitionKey),
      sortKey: stringKey(tableDefinition.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: tableDefinition.ttlAttribute,
      // Feeds the stream consumers (shared/streams/subscriptions.ts, infra/constructs/table-stream.ts).
      stream: dynamodb.StreamViewType[tableDefinition.streamViewType],
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // All product data lives here: never deleted by a stack update or `cdk destroy`.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const gsi of tableDefinition.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: stringKey(gsi.partitionKey),
        sortKey: stringKey(gsi.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    this.indexArns = tableDefinition.globalSecondaryIndexes.map((g) => `${this.table.tableArn}/index/${g.indexName}`);
  }
}
