// A private local stack per test file: its own table, bucket, state folder and gateway port, on the
// emulators the global setup started. Call at the top level of a test file.
import { afterAll, beforeAll, inject } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startLocalStack, type LocalStack } from '../../infra/local/stack.ts';

/** Generous limits so ordinary tests never trip them; rate-limit tests pass their own. */
const relaxedLimits = {
  RATE_LIMIT_GENERAL_PER_MINUTE: '100000',
  RATE_LIMIT_UPLOAD_PER_MINUTE: '100000',
  RATE_LIMIT_CHAT_PER_MINUTE: '100000',
  RATE_LIMIT_AUTH_PER_MINUTE: '100000',
  RATE_LIMIT_SESSION_PER_MINUTE: '100000',
  LOGIN_MAX_FAILURES_PER_ACCOUNT: '100000',
  FORGOT_PASSWORD_COOLDOWN_SECONDS: '0',
  RATE_LIMIT_SOCKET_ACTIONS_PER_MINUTE: '100000',
};

export interface TestStack extends LocalStack {}

export function useTestStack(env: Record<string, string> = {}): TestStack {
  const holder = {} as { stack?: LocalStack };
  beforeAll(async () => {
    const id = randomBytes(4).toString('hex');
    holder.stack = await startLocalStack({
      stateDir: mkdtempSync(join(inject('stateRoot'), 'stack-')),
      port: 0,
      dynamoEndpoint: inject('dynamoEndpoint'),
      s3Endpoint: inject('s3Endpoint'),
      tableName: `test-${id}`,
      bucketName: `test-${id}`,
      env: { LOG_LEVEL: 'silent', LOCAL_LOG_CONSOLE: 'false', VALIDATE_RESPONSES: 'true', APP_URL: 'http://app.test', CORS_ORIGINS: 'http://app.test', ...relaxedLimits, ...env },
    });
  });
  afterAll(async () => {
    await holder.stack?.stop();
  });
  // Fields are read lazily inside tests, after beforeAll has run.
  return new Proxy({} as TestStack, {
    get(_t, prop) {
      if (!holder.stack) throw new Error('test stack not started yet: use it inside a test or hook');
      return holder.stack[prop as keyof LocalStack];
    },
  });
}
