// The cold-start baseline (issue #15): a handler that does one lib-dynamodb GetItem and nothing else. The bench
// and tests/infra/bundle.test.ts bundle it exactly as every function is bundled, in the same run, and state each
// function's bundle size and cold import as a ratio to it, so the figures hold on any machine.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async (event: { id: string }) => {
  const out = await doc.send(new GetCommand({ TableName: process.env.TABLE_NAME, Key: { pk: event.id, sk: event.id } }));
  return out.Item ?? null;
};
