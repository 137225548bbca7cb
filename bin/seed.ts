// Demo accounts for the local stack: an admin and a student, created on first run, left alone after.
import { getDb, type Db } from '../shared/db/client.ts';
import { getUserIdByEmail } from '../shared/db/entities/user.ts';
import type { Role } from '../shared/auth/tokens.ts';
import { AppError } from '../shared/errors.ts';
import { createAccount } from '../functions/auth/accounts.ts';

export interface DemoLogin {
  role: Role;
  email: string;
  password: string;
  /** False when the account already existed (its password may have been changed since). */
  created: boolean;
}

export const DEMO_ACCOUNTS = [
  { role: 'admin', name: 'Demo Admin', email: 'admin@gradhelper.local', password: 'Admin123!demo' },
  { role: 'student', name: 'Demo Student', email: 'student@gradhelper.local', password: 'Student123!demo' },
] as const satisfies readonly { role: Role; name: string; email: string; password: string }[];

/** Creates the demo accounts that are missing; uses the table of the running local stack (getDb()). */
export async function seedDemoData(db: Db = getDb(), now: Date = new Date()): Promise<DemoLogin[]> {
  const logins: DemoLogin[] = [];
  for (const account of DEMO_ACCOUNTS) {
    let created = false;
    if (!(await getUserIdByEmail(db, account.email))) {
      try {
        await createAccount(db, account, now);
        created = true;
      } catch (err) {
        // Another process seeding the same table at the same moment: the account exists, which is the goal.
        if (!(err instanceof AppError && err.code === 'CONFLICT')) throw err;
      }
    }
    logins.push({ role: account.role, email: account.email, password: account.password, created });
  }
  return logins;
}
