// Uploads nobody uses do not stay: a confirmed file that is not an avatar expires UNATTACHED_FILE_TTL_SECONDS
// after it is confirmed unless something attaches it (a task, a deliverable, a message). Reads treat it as
// gone the moment it expires; when DynamoDB's TTL deletes the record, the table's stream runs the expiry
// function, which deletes the object and gives the bytes back to the owner's quota.
//
// DynamoDB Local has no TTL: `stack.runTtl()` deletes what has expired the way TTL does, and its deletes reach
// the stream marked as TTL's (infra/local/ttl.ts).
import { describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedStudent, type Actor } from '../support/users.ts';
import { fixtures } from '../support/file-fixtures.ts';
import { objectExists } from '../support/s3.ts';
import { getDb } from '../../shared/db/client.ts';
import { fileKeys, getStorageUsage, toFileItem, type FileRecord } from '../../shared/db/entities/file.ts';
import { getStorage } from '../../shared/storage/s3.ts';
import { createLogger } from '../../shared/log.ts';
import { TTL_DELETER_IDENTITY } from '../../shared/streams/subscriptions.ts';
import { handleExpiredRecords } from '../../functions/expiry/handler.ts';

const TTL_SECONDS = 2;
const stack = useTestStack({ UNATTACHED_FILE_TTL_SECONDS: String(TTL_SECONDS) });
const api = apiClient(() => stack.apiUrl);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Until every record written so far has expired (TTL is in whole seconds). */
const untilExpired = () => sleep(TTL_SECONDS * 1000 + 1100);

async function uploadOne(actor: Actor, category = 'chat_attachment', content = fixtures.pdf(), name = 'notes.pdf', type = 'application/pdf') {
  const form = new FormData();
  form.append('category', category);
  form.append('files', new File([new Uint8Array(content)], name, { type }));
  const res = await api.post('/files/upload', undefined, { token: actor.token, form });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return (await getRecord(res.body.data[0].id))!;
}

/** The record as stored, expired or not (getFileById hides expired ones). */
async function getRecord(fileId: string): Promise<FileRecord | undefined> {
  const db = getDb();
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: fileKeys.file(fileId), ConsistentRead: true }));
  return out.Item as FileRecord | undefined;
}

/** TTL runs (now), and the stream consumers finish what its deletes trigger. */
async function ttlRuns() {
  await stack.runTtl();
  await stack.settleStreams();
}

const usageOf = (actor: Actor) => getStorageUsage(getDb(), actor.user.id);

describe('an upload nobody attaches', () => {
  it('is gone for every reader once it expires, before TTL deletes it', async () => {
    const student = await seedStudent();
    const file = await uploadOne(student);
    expect((await api.get(`/files/${file.id}`, { token: student.token })).status).toBe(200);

    await untilExpired();

    expect((await api.get(`/files/${file.id}`, { token: student.token })).status).toBe(404);
    expect((await api.get(`/files/${file.id}/download`, { token: student.token })).status).toBe(404);
    expect((await api.del(`/files/${file.id}`, undefined, { token: student.token })).status).toBe(404);
    const chat = (await api.post('/chats/support', undefined, { token: student.token })).body.data;
    const send = await api.post(`/chats/${chat.id}/messages`, { type: 'file', attachments: [file.id] }, { token: student.token });
    expect(send.status).toBe(400);
    expect(send.body.error.details).toMatchObject({ field: 'attachments', issue: 'file does not exist' });
  });

  it('loses its object and gives its bytes back when TTL deletes the record', async () => {
    const student = await seedStudent();
    const file = await uploadOne(student);
    expect(await usageOf(student)).toEqual({ bytes: file.size, files: 1 });

    await untilExpired();
    await ttlRuns();

    expect(await getRecord(file.id)).toBeUndefined();
    expect(await objectExists(file.s3Key)).toBe(false);
    expect(await usageOf(student)).toEqual({ bytes: 0, files: 0 });
  });
});

describe('an attached upload', () => {
  it('does not expire while attached, and expires again once its message is deleted', async () => {
    const student = await seedStudent();
    const file = await uploadOne(student);
    const chat = (await api.post('/chats/support', undefined, { token: student.token })).body.data;
    const message = (await api.post(`/chats/${chat.id}/messages`, { type: 'file', attachments: [file.id] }, { token: student.token })).body.data;
    expect((await getRecord(file.id))?.expiresAt).toBeUndefined();

    await untilExpired();
    await ttlRuns();

    expect((await api.get(`/files/${file.id}`, { token: student.token })).status).toBe(200);
    expect(await objectExists(file.s3Key)).toBe(true);

    expect((await api.del(`/messages/${message.id}`, undefined, { token: student.token })).status).toBe(200);
    expect((await getRecord(file.id))?.expiresAt).toEqual(expect.any(Number));
    await untilExpired();
    await ttlRuns();

    expect((await api.get(`/files/${file.id}`, { token: student.token })).status).toBe(404);
    expect(await objectExists(file.s3Key)).toBe(false);
    expect(await usageOf(student)).toEqual({ bytes: 0, files: 0 });
  });
});

describe('an avatar upload', () => {
  it('never expires (it is not attached to anything by design)', async () => {
    const student = await seedStudent();
    const avatar = await uploadOne(student, 'avatar', fixtures.png(), 'me.png', 'image/png');
    expect(avatar.expiresAt).toBeUndefined();

    await stack.runTtl(new Date(Date.now() + 365 * 24 * 3600 * 1000));
    await stack.settleStreams();

    expect((await api.get(`/files/${avatar.id}`, { token: student.token })).status).toBe(200);
    expect(await usageOf(student)).toEqual({ bytes: avatar.size, files: 1 });
  });
});

describe('the expiry function', () => {
  it('gives the bytes back once when the same TTL removal is delivered twice', async () => {
    const student = await seedStudent();
    const file = await uploadOne(student);
    await untilExpired();
    await ttlRuns();
    expect(await usageOf(student)).toEqual({ bytes: 0, files: 0 });

    // Lambda delivers a record again after a timeout or a later record's failure.
    const redelivery: DynamoDBStreamEvent = {
      Records: [
        {
          eventName: 'REMOVE',
          userIdentity: { ...TTL_DELETER_IDENTITY },
          dynamodb: { Keys: marshall(fileKeys.file(file.id)) as never, OldImage: marshall(toFileItem(file)) as never, SequenceNumber: '7' },
        },
      ],
    };
    const result = await handleExpiredRecords({ db: getDb(), storage: getStorage(), now: () => new Date(), log: createLogger() }, redelivery);

    expect(result.batchItemFailures).toEqual([]);
    expect(await usageOf(student)).toEqual({ bytes: 0, files: 0 });
  });

  it('is not run for a file its owner deletes (only TTL removals reach it), so the bytes come back once', async () => {
    const student = await seedStudent();
    const file = await uploadOne(student);

    expect((await api.del(`/files/${file.id}`, undefined, { token: student.token })).status).toBe(200);
    await stack.settleStreams();

    expect(await usageOf(student)).toEqual({ bytes: 0, files: 0 });
  });
});
