// Which table an operator script works on. Without --table: the table of the local stack running from
// LOCAL_STATE_DIR (default .local), found through <stateDir>/endpoints.json. With --table: that table in AWS,
// with the default credentials and region (or --region).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../shared/db/client.ts';
import { ENDPOINTS_FILE, type LocalEndpoints } from '../infra/local/stack.ts';

/** Bad arguments or no table to work on: the script prints the message and exits 1. */
export class UsageError extends Error {}

export interface TableTarget {
  db: Db;
  /** Where the script wrote, for its confirmation line. */
  where: string;
}

function documentClient(client: DynamoDBClient) {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function localStackTable(env: NodeJS.ProcessEnv): TableTarget {
  const stateDir = resolve(env.LOCAL_STATE_DIR ?? '.local');
  let endpoints: LocalEndpoints;
  try {
    endpoints = JSON.parse(readFileSync(join(stateDir, ENDPOINTS_FILE), 'utf8'));
  } catch {
    throw new UsageError(
      `No running local stack found in ${stateDir} (no ${ENDPOINTS_FILE}). Start it with \`npm start\` (same LOCAL_STATE_DIR), or pass --table for a deployed stack.`,
    );
  }
  const client = new DynamoDBClient({
    endpoint: endpoints.dynamoEndpoint,
    region: env.AWS_REGION ?? 'us-east-1',
    // DynamoDB Local accepts any credentials; these keep the SDK from looking for real ones.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { db: { doc: documentClient(client), tableName: endpoints.tableName }, where: `local table ${endpoints.tableName} (${endpoints.dynamoEndpoint})` };
}

export function awsTable(table: string, region: string | undefined): TableTarget {
  const client = new DynamoDBClient(region ? { region } : {});
  return { db: { doc: documentClient(client), tableName: table }, where: `table ${table}` };
}

/** The --table/--region arguments' target, or the local stack's table. */
export function tableTarget(args: { table?: string; region?: string }, env: NodeJS.ProcessEnv): TableTarget {
  return args.table ? awsTable(args.table, args.region) : localStackTable(env);
}
