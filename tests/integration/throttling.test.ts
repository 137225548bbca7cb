// A throttled table is a busy service, not a bug: 503 SERVICE_UNAVAILABLE with Retry-After, never 500.
// DynamoDB Local never throttles, so the throttling answers are injected with aws-sdk-client-mock on the
// document client the handlers use; every other call still goes to DynamoDB Local.
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import {
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);
let admin: Actor;
let student: Actor;
let dynamo: AwsStub<any, any, any>;

beforeAll(async () => {
  [admin, student] = await Promise.all([seedAdmin(), seedStudent()]);
});
beforeEach(() => {
  dynamo = mockClient(getDb().doc);
  // Everything not named below reaches DynamoDB Local as usual.
  dynamo.send.callThrough();
});
afterEach(() => dynamo.restore());

const $metadata = { httpStatusCode: 400 };
const taskBody = {
  title: 'Throttled essay',
  type: 'essay',
  description: 'Written while DynamoDB is busy',
  subject: 'history',
  academicLevel: 'undergraduate',
  pages: 2,
  deadline: new Date(Date.now() + 7 * 86_400_000).toISOString(),
  budget: 40,
};

function expectBusy(res: { status: number; headers: Headers; body: any }) {
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('2');
  expect(res.body).toMatchObject({ success: false, error: { code: 'SERVICE_UNAVAILABLE', details: { retryAfterSeconds: 2 } } });
  expect(res.body.error.message).toMatch(/busy/i);
}

describe('a throttled DynamoDB', () => {
  it.each([
    ['ProvisionedThroughputExceededException', () => new ProvisionedThroughputExceededException({ message: 'Throughput exceeds the current capacity', $metadata })],
    ['ThrottlingException', () => new ThrottlingException({ message: 'Rate of requests exceeds the allowed throughput', $metadata })],
    ['RequestLimitExceeded', () => new RequestLimitExceeded({ message: 'Throughput exceeds the account limit', $metadata })],
  ])('answers a list read refused with %s as 503 with Retry-After', async (_name, error) => {
    dynamo.on(QueryCommand).rejects(error());

    const res = await api.get('/users/students', { token: admin.token });

    expectBusy(res);
  });

  it('answers a create whose transaction was cancelled for a throttled item as 503 with Retry-After, and writes nothing', async () => {
    dynamo.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ThrottlingError]',
        $metadata,
        CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError', Message: 'Throughput exceeds the current capacity for one or more global secondary indexes' }],
      }),
    );

    const res = await api.post('/tasks', taskBody, { token: student.token });

    expectBusy(res);
    dynamo.restore();
    const list = await api.get('/tasks', { token: student.token });
    expect(list.body.data).toEqual([]);
  });

  it('still answers an unexpected DynamoDB failure as 500 without internals', async () => {
    dynamo.on(QueryCommand).rejects(Object.assign(new Error('Internal server error'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }));

    const res = await api.get('/users/students', { token: admin.token });

    expect(res.status).toBe(500);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(res.body.error).toEqual({ code: 'INTERNAL_SERVER_ERROR', message: 'An unexpected error occurred' });
  });
});
