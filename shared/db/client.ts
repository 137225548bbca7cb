// One DynamoDB document client per cold start; the endpoint comes from AWS_ENDPOINT_URL_DYNAMODB when set (local stack).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { getConfig } from '../config.ts';
import { traceSdkClient } from '../observability/tracing.ts';

export interface Db {
  doc: DynamoDBDocumentClient;
  tableName: string;
}

let cached: Db | undefined;

export function getDb(): Db {
  if (cached) return cached;
  const client = new DynamoDBClient({});
  traceSdkClient(client, 'DynamoDB');
  cached = {
    doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    tableName: getConfig().TABLE_NAME,
  };
  return cached;
}
