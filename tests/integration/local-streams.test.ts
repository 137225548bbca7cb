// The local stand-in for Lambda's event source mappings (infra/local/streams.ts), on DynamoDB Local's real
// stream: what a function is handed, in which shape, and where a restarted `npm start` picks up.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand, DeleteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { useTestStack } from '../support/stack.ts';
import { getDb } from '../../shared/db/client.ts';
import { matchesFilter, type StreamSubscription } from '../../shared/streams/subscriptions.ts';
import { startStreamPollers } from '../../infra/local/streams.ts';
import { createTtlSweeper, TtlDeletions } from '../../infra/local/ttl.ts';

const stack = useTestStack();

/** A reader of its own, for items under `TEST#<tag>`, that records what it is handed. */
function probe(tag: string, stateDir = mkdtempSync(join(tmpdir(), 'streams-')), ttlDeletions = new TtlDeletions()) {
  const received: DynamoDBRecord[] = [];
  const subscription = {
    function: 'mailer',
    filters: [{ eventName: ['INSERT', 'REMOVE'], dynamodb: { Keys: { pk: { S: [{ prefix: `TEST#${tag}#` }] } } } }],
    batchSize: 2,
    retryAttempts: 1,
    maxRecordAgeSeconds: 3600,
  } as StreamSubscription;
  const start = () =>
    startStreamPollers({
      endpoint: stack.dynamoEndpoint,
      tableName: stack.tableName,
      subscriptions: [subscription],
      ttlDeletions,
      stateDir,
      invoke: async (_fn, event: DynamoDBStreamEvent) => {
        received.push(...event.Records);
        return { batchItemFailures: [] };
      },
    });
  return { received, start };
}

const put = (pk: string, extra: Record<string, unknown> = {}) =>
  getDb().doc.send(new PutCommand({ TableName: stack.tableName, Item: { pk, sk: 'X', ...extra } }));

describe('the local stream poller', () => {
  it('hands over the matching records only, in order, in the Lambda event shape', async () => {
    const { received, start } = probe('shape');
    const pollers = await start();
    try {
      await put('TEST#shape#1', { n: 1 });
      await put('OTHER#1');
      await put('TEST#shape#2', { n: 2 });
      await getDb().doc.send(new DeleteCommand({ TableName: stack.tableName, Key: { pk: 'TEST#shape#1', sk: 'X' } }));
      await pollers.settle();
    } finally {
      await pollers.close();
    }

    expect(received.map((r) => [r.eventName, r.dynamodb?.Keys?.pk.S])).toEqual([
      ['INSERT', 'TEST#shape#1'],
      ['INSERT', 'TEST#shape#2'],
      ['REMOVE', 'TEST#shape#1'],
    ]);
    expect(received[0]).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventVersion: '1.1',
      eventSourceARN: expect.stringContaining(`table/${stack.tableName}/stream/`),
      dynamodb: { NewImage: { pk: { S: 'TEST#shape#1' }, n: { N: '1' } }, StreamViewType: 'NEW_AND_OLD_IMAGES', SequenceNumber: expect.any(String), ApproximateCreationDateTime: expect.any(Number) },
    });
    expect(received[2].dynamodb?.OldImage).toMatchObject({ n: { N: '1' } });
    // A user's delete is not TTL's: no service identity.
    expect(received[2].userIdentity).toBeUndefined();
  });

  it('resumes after the last handled record when started again (npm start after a restart)', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'streams-'));
    const first = probe('resume', stateDir);
    const pollers = await first.start();
    await put('TEST#resume#1');
    await pollers.settle();
    await pollers.close();
    await put('TEST#resume#2'); // written while nothing reads

    const second = probe('resume', stateDir);
    const again = await second.start();
    await again.settle();
    await again.close();

    expect(first.received.map((r) => r.dynamodb?.Keys?.pk.S)).toEqual(['TEST#resume#1']);
    expect(second.received.map((r) => r.dynamodb?.Keys?.pk.S)).toEqual(['TEST#resume#2']);
  });

  it('hands over the TTL sweeper’s deletes with the TTL service’s identity, and nobody else’s', async () => {
    const deletions = new TtlDeletions();
    const { received, start } = probe('ttl', undefined, deletions);
    const pollers = await start();
    const sweeper = createTtlSweeper({ endpoint: stack.dynamoEndpoint, tableName: stack.tableName, deletions });
    const now = Math.floor(Date.now() / 1000);
    try {
      await put('TEST#ttl#expired', { expiresAt: now - 1 });
      await put('TEST#ttl#later', { expiresAt: now + 3600 });
      await put('TEST#ttl#mine');

      await sweeper.sweep();
      await getDb().doc.send(new DeleteCommand({ TableName: stack.tableName, Key: { pk: 'TEST#ttl#mine', sk: 'X' } }));
      await pollers.settle();
    } finally {
      await sweeper.close();
      await pollers.close();
    }

    const removals = received.filter((r) => r.eventName === 'REMOVE').map((r) => [r.dynamodb?.Keys?.pk.S, r.userIdentity]);
    expect(removals).toEqual([
      ['TEST#ttl#expired', { type: 'Service', principalId: 'dynamodb.amazonaws.com' }],
      ['TEST#ttl#mine', undefined],
    ]);
  });
});

describe('stream filters (Lambda event filtering, as the local poller applies it)', () => {
  const record = { eventName: 'REMOVE', userIdentity: { type: 'Service' }, dynamodb: { Keys: { pk: { S: 'FILE#1' } }, NewImage: { a: { S: 'x' } } } };

  it.each([
    ['a listed value', { eventName: ['INSERT', 'REMOVE'] }, true],
    ['an unlisted value', { eventName: ['INSERT'] }, false],
    ['a prefix', { dynamodb: { Keys: { pk: { S: [{ prefix: 'FILE#' }] } } } }, true],
    ['another prefix', { dynamodb: { Keys: { pk: { S: [{ prefix: 'OUTBOX#' }] } } } }, false],
    ['exists: true on a present field', { dynamodb: { NewImage: { a: { S: [{ exists: true }] } } } }, true],
    ['exists: true on an absent field', { dynamodb: { NewImage: { b: { S: [{ exists: true }] } } } }, false],
    ['exists: false on an absent field', { dynamodb: { NewImage: { b: { S: [{ exists: false }] } } } }, true],
    ['a field the record lacks', { userIdentity: { principalId: ['dynamodb.amazonaws.com'] } }, false],
  ] as const)('%s', (_name, pattern, expected) => {
    expect(matchesFilter(pattern as never, record)).toBe(expected);
  });
});
