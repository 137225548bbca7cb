// A task item written straight to the test table with the task entity's own mapping, for domains whose
// tests need a task to exist (files, chats); the tasks domain's own tests create tasks through the API.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { getDb } from '../../shared/db/client.ts';
import { toTaskItem, type Task } from '../../shared/db/entities/task.ts';
import { newId } from '../../shared/ids.ts';

export async function seedTask(studentId: string, assignedAdminId?: string): Promise<string> {
  const now = new Date().toISOString();
  const task: Task = {
    id: newId('task'),
    studentId,
    ...(assignedAdminId ? { assignedAdminId } : {}),
    title: 'Seeded task',
    type: 'essay',
    description: 'Seeded for a test',
    subject: 'history',
    academicLevel: 'undergraduate',
    pages: 3,
    dueDate: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    budgetCents: 10_000,
    priority: 'medium',
    status: assignedAdminId ? 'in_progress' : 'pending',
    attachments: [],
    deliverableCount: 0,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  const db = getDb();
  await db.doc.send(new PutCommand({ TableName: db.tableName, Item: toTaskItem(task) }));
  return task.id;
}
