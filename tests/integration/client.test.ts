// The typed client in client/: its generated files are what `npm run client` makes from the contract today,
// and it drives the API end to end as a frontend would: sign up and sign in, create a task, open the typed
// WebSocket, send a chat message and receive it back as a typed `chat.message` frame.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { useTestStack } from '../support/stack.ts';
import { PROJECT_ROOT } from '../../infra/stack.ts';
import { connectRealtime, createApiClient, type ServerEventMap } from '../../client/index.ts';

const stack = useTestStack();

describe('the committed client', () => {
  it('is what npm run client generates from the contract and the realtime events', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradhelper-client-'));
    try {
      // The same two steps as `npm run client`, into a temporary folder: the OpenAPI document, then the types.
      mkdirSync(join(dir, 'docs'));
      const tsx = join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
      const env = { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
      execFileSync(tsx, [join(PROJECT_ROOT, 'bin', 'openapi.ts')], { cwd: dir, env, stdio: 'pipe' });
      execFileSync(tsx, [join(PROJECT_ROOT, 'bin', 'client.ts'), '--openapi', join(dir, 'docs', 'openapi.json'), '--out', join(dir, 'client')], { env, stdio: 'pipe' });

      for (const file of ['schema.d.ts', 'events.d.ts']) {
        const fresh = readFileSync(join(dir, 'client', file), 'utf8');
        const committed = readFileSync(join(PROJECT_ROOT, 'client', file), 'utf8');
        expect(committed === fresh, `client/${file} is stale: run npm run client and commit it`).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the typed client against the local stack', () => {
  it('signs in, creates a task, and receives its own chat message as a typed chat.message frame', async () => {
    // Arrange: an account, made and signed in through the client.
    let token: string | undefined;
    const api = createApiClient({ baseUrl: stack.apiUrl, getToken: () => token });
    const email = `client-${randomBytes(4).toString('hex')}@example.test`;
    const password = 'Correct-Horse-9';
    const registered = await api.POST('/auth/register', { body: { name: 'Typed Client', email, password, role: 'student' } });
    expect(registered.response.status).toBe(201);
    const login = await api.POST('/auth/login', { body: { email, password } });
    expect(login.response.status).toBe(200);
    token = login.data!.data!.token;

    // Act: a task, the socket, a message in the student's support chat.
    const task = await api.POST('/tasks', {
      body: {
        title: 'Typed essay',
        type: 'essay',
        description: 'Written through the typed client',
        subject: 'history',
        academicLevel: 'undergraduate',
        pages: 2,
        deadline: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        budget: 120,
      },
    });
    expect(task.response.status).toBe(201);
    expect(task.data!.data!).toMatchObject({ title: 'Typed essay', status: 'pending' });

    const socket = await connectRealtime({ url: stack.wsUrl, token, WebSocket: WebSocket as never });
    try {
      const chat = await api.POST('/chats/support', {});
      const chatId = chat.data!.data!.id;
      const heard = socket.next('chat.message', (data) => data.kind === 'new' && data.chatId === chatId);
      const sent = await api.POST('/chats/{chatId}/messages', { params: { path: { chatId } }, body: { content: 'Hello from the typed client' } });
      expect(sent.response.status).toBe(201);

      // Assert: the frame arrives, typed by the generated events.
      const frame: ServerEventMap['chat.message'] = await heard;
      expect(frame.message.id).toBe(sent.data!.data!.id);
      expect(frame.message).toMatchObject({ content: 'Hello from the typed client' });
    } finally {
      socket.close();
    }
  });

  it('repeats a call once with the token its refresh hook returns when the access token is refused', async () => {
    const signIn = createApiClient({ baseUrl: stack.apiUrl });
    const email = `client-${randomBytes(4).toString('hex')}@example.test`;
    const registered = await signIn.POST('/auth/register', { body: { name: 'Refreshing Client', email, password: 'Correct-Horse-9', role: 'student' } });
    const fresh = registered.data!.data!.token;
    let refreshes = 0;
    const api = createApiClient({
      baseUrl: stack.apiUrl,
      getToken: () => 'expired.or.forged',
      refresh: async () => {
        refreshes++;
        return fresh;
      },
    });

    const profile = await api.GET('/users/profile');

    expect(profile.response.status).toBe(200);
    expect(profile.data!.data!).toMatchObject({ email });
    expect(refreshes).toBe(1);
  });
});
