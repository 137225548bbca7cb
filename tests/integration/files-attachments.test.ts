// The helper other domains call to reference files (tasks, deliverables, chat messages), against DynamoDB
// Local and s3rver: the check, the attach items in the caller's own transaction, detach and summaries.
import { describe, expect, it } from 'vitest';
import { DeleteCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { useTestStack } from '../support/stack.ts';
import { fixtures } from '../support/file-fixtures.ts';
import { getDb } from '../../shared/db/client.ts';
import { getStorage } from '../../shared/storage/s3.ts';
import { testBucket } from '../support/s3.ts';
import { newId } from '../../shared/ids.ts';
import type { AuthUser } from '../../shared/auth/tokens.ts';
import { fileKeys, getFileById, type FileCategory } from '../../shared/db/entities/file.ts';
import { storeUploadedFiles } from '../../shared/files/store.ts';
import { requestDirectUpload } from '../../functions/files/direct-upload.ts';
import {
  assertAttachableFiles,
  attachFilesTransactItems,
  detachFilesTransactItems,
  fileSummary,
  loadFileSummaries,
  throwIfAttachmentFailed,
  type AttachTarget,
} from '../../shared/files/attachments.ts';

const stack = useTestStack();

const student = (): AuthUser => ({ id: newId('user'), role: 'student' });
const admin = (): AuthUser => ({ id: newId('user'), role: 'admin' });
const deps = () => ({ db: getDb(), storage: getStorage(), now: new Date() });

async function stored(actor: AuthUser, options: { category?: FileCategory; taskId?: string; name?: string } = {}) {
  const [file] = await storeUploadedFiles(deps(), {
    actor,
    category: options.category ?? 'task_attachment',
    files: [{ field: 'files', filename: options.name ?? 'notes.pdf', mimeType: 'application/pdf', content: fixtures.pdf(), size: fixtures.pdf().length }],
  });
  // Upload context (a task the caller can see) is checked by the endpoint; here we set it directly.
  if (options.taskId) {
    const db = getDb();
    await db.doc.send(new PutCommand({ TableName: db.tableName, Item: { ...fileKeys.file(file.id), entity: 'file', ...file, taskId: options.taskId } }));
    return { ...file, taskId: options.taskId };
  }
  return file;
}

/** What an attaching domain does: its own write plus the attach items, in one transaction. */
async function attachInTransaction(files: Awaited<ReturnType<typeof assertAttachableFiles>>, target: AttachTarget) {
  const db = getDb();
  const marker = { pk: `TEST#${newId('task')}`, sk: 'OWNER' };
  try {
    await db.doc.send(
      new TransactWriteCommand({
        TransactItems: [{ Put: { TableName: db.tableName, Item: marker, ConditionExpression: 'attribute_not_exists(pk)' } }, ...attachFilesTransactItems(files, target, db)],
      }),
    );
  } catch (err) {
    throwIfAttachmentFailed(err, files, 1);
    throw err;
  }
}

describe('assertAttachableFiles', () => {
  it("returns the owner's confirmed files in the order given, duplicates dropped", async () => {
    const me = student();
    const [a, b] = [await stored(me), await stored(me)];

    const files = await assertAttachableFiles(getDb(), { fileIds: [b.id, a.id, b.id], actor: me, target: { kind: 'task', taskId: newId('task') } });

    expect(files.map((f) => f.id)).toEqual([b.id, a.id]);
  });

  it('returns nothing for no ids, without reading', async () => {
    expect(await assertAttachableFiles(getDb(), { fileIds: [], actor: student(), target: { kind: 'chat', chatId: newId('chat') } })).toEqual([]);
  });

  it('lets an admin attach files someone else uploaded', async () => {
    const file = await stored(student());
    const files = await assertAttachableFiles(getDb(), { fileIds: [file.id], actor: admin(), target: { kind: 'deliverable', taskId: newId('task'), deliverableId: newId('deliv') } });
    expect(files[0].id).toBe(file.id);
  });

  it.each([
    ['does not exist', async () => newId('file'), 'does not exist'],
    ["is another student's (reported as missing)", async () => (await stored(student())).id, 'does not exist'],
    [
      'is a pending direct upload',
      async (me: AuthUser) => (await requestDirectUpload(deps(), me, { name: 'big.pdf', type: 'application/pdf', size: 10, category: 'task_attachment' })).fileId,
      'not confirmed',
    ],
    ['is an avatar', async (me: AuthUser) => (await storedImage(me, 'avatar')).id, 'avatars'],
    ['belongs to another task', async (me: AuthUser) => (await stored(me, { taskId: newId('task') })).id, 'another task'],
  ])('throws VALIDATION_ERROR naming the id when the file %s', async (_case, make, issue) => {
    const me = student();
    const fileId = await make(me);

    const attempt = assertAttachableFiles(getDb(), { fileIds: [fileId], actor: me, target: { kind: 'task', taskId: newId('task') }, field: 'attachments' });

    await expect(attempt).rejects.toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'attachments', fileId, issue: expect.stringContaining(issue) } });
  });

  it('refuses more than 20 files at once', async () => {
    const ids = Array.from({ length: 21 }, () => newId('file'));
    await expect(assertAttachableFiles(getDb(), { fileIds: ids, actor: student(), target: { kind: 'chat', chatId: newId('chat') } })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
  });
});

async function storedImage(actor: AuthUser, category: FileCategory) {
  const [file] = await storeUploadedFiles(deps(), {
    actor,
    category,
    files: [{ field: 'files', filename: 'me.png', mimeType: 'image/png', content: fixtures.png(), size: fixtures.png().length }],
  });
  return file;
}

describe('attachFilesTransactItems', () => {
  it('attaches in the caller’s transaction: the file records the task and is no longer free', async () => {
    const me = student();
    const taskId = newId('task');
    const file = await stored(me);
    const target = { kind: 'task' as const, taskId };

    await attachInTransaction(await assertAttachableFiles(getDb(), { fileIds: [file.id], actor: me, target }), target);

    expect(await getFileById(getDb(), file.id)).toMatchObject({ taskId, attachedTo: `task#${taskId}` });
  });

  it('records task and deliverable for a deliverable, and chat for a message', async () => {
    const me = admin();
    const [d, m] = [await stored(me), await stored(me)];
    const deliverable = { kind: 'deliverable' as const, taskId: newId('task'), deliverableId: newId('deliv') };
    const chat = { kind: 'chat' as const, chatId: newId('chat') };

    await attachInTransaction([d], deliverable);
    await attachInTransaction([m], chat);

    expect(await getFileById(getDb(), d.id)).toMatchObject({ taskId: deliverable.taskId, deliverableId: deliverable.deliverableId });
    expect(await getFileById(getDb(), m.id)).toMatchObject({ chatId: chat.chatId, attachedTo: `chat#${chat.chatId}` });
  });

  it('is idempotent for the same target', async () => {
    const me = student();
    const file = await stored(me);
    const target = { kind: 'chat' as const, chatId: newId('chat') };
    await attachInTransaction([file], target);

    const again = await assertAttachableFiles(getDb(), { fileIds: [file.id], actor: me, target });
    await attachInTransaction(again, target);

    expect((await getFileById(getDb(), file.id))?.attachedTo).toBe(`chat#${target.chatId}`);
  });

  it('fails the whole transaction with 409 naming the file when it was attached elsewhere after the check', async () => {
    const me = student();
    const file = await stored(me);
    const checked = await assertAttachableFiles(getDb(), { fileIds: [file.id], actor: me, target: { kind: 'chat', chatId: newId('chat') } });
    await attachInTransaction(checked, { kind: 'task', taskId: newId('task') }); // a concurrent writer wins

    await expect(attachInTransaction(checked, { kind: 'chat', chatId: newId('chat') })).rejects.toMatchObject({ code: 'CONFLICT', details: { fileId: file.id } });
  });

  it('fails with 409 when the file was deleted after the check', async () => {
    const me = student();
    const file = await stored(me);
    const target = { kind: 'task' as const, taskId: newId('task') };
    const checked = await assertAttachableFiles(getDb(), { fileIds: [file.id], actor: me, target });
    const db = getDb();
    await db.doc.send(new DeleteCommand({ TableName: db.tableName, Key: fileKeys.file(file.id) }));

    await expect(attachInTransaction(checked, target)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await getFileById(db, file.id)).toBeUndefined(); // the Update did not resurrect it
  });

  it('detach frees the file again (the task context stays)', async () => {
    const me = student();
    const file = await stored(me);
    const target = { kind: 'task' as const, taskId: newId('task') };
    await attachInTransaction([file], target);
    const db = getDb();

    await db.doc.send(new TransactWriteCommand({ TransactItems: detachFilesTransactItems([file.id], target, db) }));

    const after = await getFileById(db, file.id);
    expect(after?.attachedTo).toBeUndefined();
    expect(after?.taskId).toBe(target.taskId);
  });
});

describe('fileSummary and loadFileSummaries', () => {
  it('summarises a file as { id, name, url, size, type } with a working presigned url and the original name', async () => {
    const file = await stored(student(), { name: 'Lab report (v2).pdf' });

    const summary = await fileSummary(file);

    expect(summary).toEqual({ id: file.id, name: 'Lab report (v2).pdf', url: expect.any(String), size: fixtures.pdf().length, type: 'application/pdf' });
    const res = await fetch(summary.url);
    expect(Buffer.from(await res.arrayBuffer()).equals(fixtures.pdf())).toBe(true);
  });

  it('loads summaries by id in the order given, skipping unknown ids', async () => {
    const me = student();
    const [a, b] = [await stored(me), await stored(me)];
    const summaries = await loadFileSummaries(getDb(), [b.id, newId('file'), a.id]);
    expect(summaries.map((s) => s.id)).toEqual([b.id, a.id]);
  });
});

describe('storeUploadedFiles', () => {
  it('deletes the objects it wrote when the records cannot be written (never half-stored)', async () => {
    const me = student();
    const brokenDb = { doc: getDb().doc, tableName: `${stack.tableName}-missing` };
    const part = (name: string) => ({ field: 'files', filename: name, mimeType: 'application/pdf', content: fixtures.pdf(), size: fixtures.pdf().length });

    const attempt = storeUploadedFiles({ ...deps(), db: brokenDb }, { actor: me, category: 'task_attachment', files: [part('a.pdf'), part('b.pdf')] });

    await expect(attempt).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const { s3, bucket } = testBucket();
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `uploads/${me.id}/` }));
    expect(left.Contents ?? []).toEqual([]);
  });
});
