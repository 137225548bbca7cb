// Test actors for domains other than auth: a user item written straight to the test table and an access
// token signed with the stack's key. (The auth endpoints themselves are tested through HTTP in auth tests.)
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomBytes } from 'node:crypto';
import { getDb } from '../../shared/db/client.ts';
import { defaultPreferences, toUserItem, userKeys, type User } from '../../shared/db/entities/user.ts';
import { signAccessToken, type Role } from '../../shared/auth/tokens.ts';
import { newId, newReferralCode } from '../../shared/ids.ts';

export interface Actor {
  user: User;
  token: string;
}

export async function seedUser(role: Role, overrides: Partial<User> = {}): Promise<Actor> {
  const now = new Date().toISOString();
  const suffix = randomBytes(4).toString('hex');
  const user: User = {
    id: newId('user'),
    name: `${role === 'admin' ? 'Admin' : 'Student'} ${suffix}`,
    email: `${role}-${suffix}@example.test`,
    role,
    status: 'active',
    preferences: defaultPreferences,
    referralCode: newReferralCode(),
    sessionVersion: 0,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
  const db = getDb();
  await db.doc.send(new PutCommand({ TableName: db.tableName, Item: toUserItem(user) }));
  await db.doc.send(new PutCommand({ TableName: db.tableName, Item: { ...userKeys.email(user.email), userId: user.id } }));
  await db.doc.send(new PutCommand({ TableName: db.tableName, Item: { ...userKeys.referralCode(user.referralCode), userId: user.id } }));
  return { user, token: await signAccessToken({ id: user.id, role }) };
}

export const seedStudent = (overrides?: Partial<User>) => seedUser('student', overrides);
export const seedAdmin = (overrides?: Partial<User>) => seedUser('admin', overrides);
