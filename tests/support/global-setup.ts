// Starts one DynamoDB Local and one S3 emulator for the whole run; each test file makes its own table,
// bucket and gateway on them (tests/support/stack.ts), so files run in parallel without sharing state.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.ts';
import { startS3Emulator } from '../../infra/local/s3-emulator.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    s3Endpoint: string;
    stateRoot: string;
  }
}

export default async function setup(project: TestProject) {
  const stateRoot = mkdtempSync(join(tmpdir(), 'gradhelper-test-'));
  const [dynamo, s3] = await Promise.all([startDynamoDbLocal(), startS3Emulator({ directory: join(stateRoot, 's3') })]);
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('s3Endpoint', s3.endpoint);
  project.provide('stateRoot', stateRoot);
  return async () => {
    await Promise.all([dynamo.stop(), s3.stop()]);
    rmSync(stateRoot, { recursive: true, force: true });
  };
}
