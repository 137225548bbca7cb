// Test data for the bench, written straight into the table through the entity modules' to*Item functions
// (BatchWriteItem, 25 items per call), plus the few objects that are easiest made through the API itself.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../../shared/db/client.ts';
import { defaultPreferences, toUserItem, userKeys, type User } from '../../shared/db/entities/user.ts';
import { signAccessToken, type Role } from '../../shared/auth/tokens.ts';
import { newId, newReferralCode } from '../../shared/ids.ts';

export interface Actor {
  user: User;
  token: string;
}

/** Writes items with BatchWriteItem, 25 per call and a few calls in flight, retrying unprocessed items. */
export async function batchWrite(db: Db, items: Record<string, unknown>[], concurrency = 6): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      let pending = chunks[next++].map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 8) throw new Error('BatchWriteItem kept returning unprocessed items');
        if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
        const out = await db.doc.send(new BatchWriteCommand({ RequestItems: { [db.tableName]: pending } }));
        pending = (out.UnprocessedItems?.[db.tableName] as typeof pending | undefined) ?? [];
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
}

function makeUser(role: Role, index: number, createdAt: Date): User {
  const at = createdAt.toISOString();
  return {
    id: newId('user', createdAt),
    name: `${role === 'admin' ? 'Admin' : 'Student'} ${String(index).padStart(5, '0')}`,
    email: `bench-${role}-${index}-${Math.random().toString(36).slice(2, 8)}@example.test`,
    role,
    status: index % 10 === 0 ? 'inactive' : 'active',
    preferences: defaultPreferences,
    referralCode: newReferralCode(),
    sessionVersion: 0,
    createdAt: at,
    updatedAt: at,
  };
}

/** One user with its e-mail and referral-code sentinels, and an access token: a real caller. */
export async function seedActor(db: Db, role: Role): Promise<Actor> {
  const user = { ...makeUser(role, 0, new Date()), status: 'active' as const, name: `Bench ${role}` };
  await db.doc.send(new PutCommand({ TableName: db.tableName, Item: toUserItem(user) }));
  await batchWrite(db, [
    { ...userKeys.email(user.email), entity: 'emailSentinel', userId: user.id },
    { ...userKeys.referralCode(user.referralCode), entity: 'referralCodeSentinel', userId: user.id },
  ]);
  return { user, token: await signAccessToken({ id: user.id, role }) };
}

/** `count` more students (and their e-mail sentinels), spread over the past days: the admin directory grows. */
export async function seedStudents(db: Db, count: number, offset: number): Promise<void> {
  const items: Record<string, unknown>[] = [];
  const base = Date.now() - 30 * 24 * 3600 * 1000;
  for (let i = 0; i < count; i++) {
    const user = makeUser('student', offset + i, new Date(base + (offset + i) * 60_000));
    items.push(toUserItem(user), { ...userKeys.email(user.email), entity: 'emailSentinel', userId: user.id });
  }
  await batchWrite(db, items);
}

// ---- Entities that land later: loaded only when their module exists --------------------------

const projectRoot = new URL('../..', import.meta.url);

/** Imports shared/db/entities/<name>.ts when it exists (domains land over time), else undefined. */
export async function loadEntity(name: string): Promise<Record<string, any> | undefined> {
  const file = join(projectRoot.pathname, 'shared', 'db', 'entities', `${name}.ts`);
  if (!existsSync(file)) return undefined;
  return import(pathToFileURL(file).href);
}

/** `count` more messages in one chat, through the message entity (`toMessageItem` + `toPointerItem`). */
export async function seedMessages(db: Db, chatId: string, sender: User, count: number, offset: number): Promise<void> {
  const entity = await loadEntity('message');
  if (!entity?.toMessageItem) throw new Error('shared/db/entities/message.ts has no toMessageItem');
  const items: Record<string, unknown>[] = [];
  const base = Date.now() - 7 * 24 * 3600 * 1000;
  for (let i = 0; i < count; i++) {
    const createdAt = new Date(base + (offset + i) * 1000);
    const message = {
      id: newId('msg', createdAt),
      chatId,
      senderId: sender.id,
      senderRole: sender.role,
      type: 'text',
      content: `Bench message ${offset + i}: how is the draft coming along?`,
      attachments: [],
      seq: offset + i + 1,
      createdAt: createdAt.toISOString(),
    };
    items.push(entity.toMessageItem(message));
    if (entity.toPointerItem) items.push(entity.toPointerItem(message));
  }
  await batchWrite(db, items);
}

/**
 * `count` more tasks of one student through the task entity. The task entity decides which items a task
 * consists of (the task, list entries, ...): `toTaskItems(task)` when it exports one, else `toTaskItem(task)`.
 */
export async function seedTasks(db: Db, student: User, count: number, offset: number): Promise<void> {
  const entity = await loadEntity('task');
  const toItems: ((task: any) => Record<string, unknown> | Record<string, unknown>[]) | undefined = entity?.toTaskItems ?? entity?.toTaskItem;
  if (!toItems) throw new Error('shared/db/entities/task.ts exports neither toTaskItems nor toTaskItem');
  const items: Record<string, unknown>[] = [];
  const base = Date.now() - 60 * 24 * 3600 * 1000;
  const statuses = ['pending', 'in_progress', 'completed', 'revision_needed'];
  for (let i = 0; i < count; i++) {
    const createdAt = new Date(base + (offset + i) * 60_000);
    const task = {
      id: newId('task', createdAt),
      studentId: student.id,
      title: `Bench task ${String(offset + i).padStart(5, '0')}`,
      type: 'research_paper',
      description: 'A task written by the bench.',
      subject: 'computer_science',
      academicLevel: 'undergraduate',
      pages: 10,
      deadline: new Date(createdAt.getTime() + 14 * 24 * 3600 * 1000).toISOString(),
      dueDate: new Date(createdAt.getTime() + 14 * 24 * 3600 * 1000).toISOString(),
      budget: 200,
      budgetCents: 20_000,
      requirements: 'None',
      citations: 'APA',
      priority: 'medium',
      status: statuses[(offset + i) % statuses.length],
      attachments: [],
      attachmentIds: [],
      deliverableCount: 0,
      history: [],
      version: 1,
      createdAt: createdAt.toISOString(),
      updatedAt: createdAt.toISOString(),
    };
    const out = toItems(task);
    items.push(...(Array.isArray(out) ? out : [out]));
  }
  await batchWrite(db, items);
}
