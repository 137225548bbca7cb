import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { main as createAdmin, UsageError } from '../../bin/create-admin.ts';
import { DEMO_ACCOUNTS, seedDemoData } from '../../bin/seed.ts';

const stack = useTestStack();
const api = apiClient(() => stack.apiUrl);

const adminEmail = () => `admin-${randomBytes(4).toString('hex')}@example.test`;

function run(command: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, cwd: process.cwd() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run create-admin', () => {
  it('creates an admin in the table of the running local stack (found through its state folder) who can sign in', async () => {
    const email = adminEmail();
    const { user, where } = await createAdmin(['--email', email, '--password', 'Admin-password-1', '--name', 'Head Admin'], {
      LOCAL_STATE_DIR: stack.stateDir,
    });
    expect(user).toMatchObject({ email, role: 'admin', status: 'active' });
    expect(where).toContain(stack.tableName);

    const res = await api.post('/auth/login', { email, password: 'Admin-password-1' });
    expect(res.status).toBe(200);
    expect(res.body.data.user.role).toBe('admin');
    // The operator vouches for the address: a later Google sign-in with it links the account, keeping the password.
    expect((await api.get('/users/profile', { token: res.body.data.token })).body.data.emailVerified).toBe(true);
  });

  it('works as a command: exit code 0 and a confirmation on stdout', async () => {
    const email = adminEmail();
    const out = await run(
      join('node_modules', '.bin', 'tsx'),
      ['bin/create-admin.ts', '--email', email, '--password', 'Admin-password-2', '--name', 'Second Admin'],
      { LOCAL_STATE_DIR: stack.stateDir },
    );
    expect(out.stderr).not.toMatch(/Error/);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`Created admin ${email}`);
    expect((await api.post('/auth/login', { email, password: 'Admin-password-2' })).status).toBe(200);
  });

  it('refuses an e-mail that already has an account', async () => {
    const email = adminEmail();
    const args = ['--email', email, '--password', 'Admin-password-1', '--name', 'Twice'];
    await createAdmin(args, { LOCAL_STATE_DIR: stack.stateDir });
    await expect(createAdmin(args, { LOCAL_STATE_DIR: stack.stateDir })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it.each([
    ['a short password', ['--email', 'x@example.test', '--password', 'short', '--name', 'X'], '--password'],
    ['a missing e-mail', ['--password', 'Admin-password-1', '--name', 'X'], '--email'],
    ['an unknown option', ['--email', 'x@example.test', '--password', 'Admin-password-1', '--name', 'X', '--role', 'root'], 'Usage'],
  ])('explains the usage for %s', async (_case, args, mention) => {
    const attempt = createAdmin(args, { LOCAL_STATE_DIR: stack.stateDir });
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toThrow(mention);
  });

  it('says to start the local stack when none runs from that state folder', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-stack-'));
    const attempt = createAdmin(['--email', adminEmail(), '--password', 'Admin-password-1', '--name', 'X'], { LOCAL_STATE_DIR: empty });
    await expect(attempt).rejects.toThrow(/npm start/);
  });
});

describe('seedDemoData (npm start, first run)', () => {
  it('creates the demo admin and student once, and they can sign in', async () => {
    const first = await seedDemoData();
    expect(first.map((l) => [l.role, l.email, l.created])).toEqual([
      ['admin', 'admin@gradhelper.local', true],
      ['student', 'student@gradhelper.local', true],
    ]);

    const second = await seedDemoData();
    expect(second.every((l) => !l.created)).toBe(true);

    for (const account of DEMO_ACCOUNTS) {
      const res = await api.post('/auth/login', { email: account.email, password: account.password });
      expect(res.status).toBe(200);
      expect(res.body.data.user.role).toBe(account.role);
    }
  });
});
