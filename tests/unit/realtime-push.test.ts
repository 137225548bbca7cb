// The push module against a mocked Management API (aws-sdk-client-mock: the failures no emulator produces
// on demand) and the real connection items in DynamoDB Local.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ApiGatewayManagementApiClient,
  ApiGatewayManagementApiServiceException,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { randomBytes } from 'node:crypto';
import { useTestStack } from '../support/stack.ts';
import { getDb } from '../../shared/db/client.ts';
import { createLogger } from '../../shared/log.ts';
import type { Role } from '../../shared/auth/tokens.ts';
import { getConnection, newConnection, putConnection } from '../../shared/db/entities/connection.ts';
import { Events } from '../../shared/realtime/events.ts';
import { deliverToAudience, deliverToUsers, replyToConnection, type PushDeps } from '../../shared/realtime/push.ts';
import { resetConfigForTests } from '../../shared/config.ts';

useTestStack();

const client = new ApiGatewayManagementApiClient({
  region: 'us-east-1',
  endpoint: 'https://abc123.execute-api.us-east-1.amazonaws.com/v1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const management = mockClient(client);

const gone = (id: string) => new GoneException({ message: `${id} is gone`, $metadata: { httpStatusCode: 410 } });
const deps = (more: Partial<PushDeps> = {}): Partial<PushDeps> => ({ db: getDb(), client, log: createLogger({}), ...more });
const event = Events.ChatTyping({ chatId: 'chat_1', userId: 'user_sender', isTyping: true });

let userSeq = 0;
async function userWithConnections(count: number, role: Role = 'student'): Promise<{ userId: string; ids: string[] }> {
  const userId = `user_unit${++userSeq}${randomBytes(3).toString('hex')}`;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomBytes(11).toString('base64');
    await putConnection(getDb(), newConnection({ connectionId: id, userId, role }, new Date()));
    ids.push(id);
  }
  return { userId, ids };
}

const exists = async (id: string) => (await getConnection(getDb(), id, new Date())) !== undefined;
const postedTo = () => management.commandCalls(PostToConnectionCommand).map((c) => c.args[0].input.ConnectionId);

beforeEach(() => {
  management.reset();
  management.on(PostToConnectionCommand).resolves({});
});

describe('a 410 from the Management API', () => {
  it('deletes exactly the stale connection (GoneException by name) and still delivers to the others', async () => {
    const { userId, ids } = await userWithConnections(3);
    management.on(PostToConnectionCommand, { ConnectionId: ids[1] }).rejects(gone(ids[1]));

    const result = await deliverToUsers([userId], event, {}, deps());

    expect(result).toEqual({ connections: 3, sent: 2, gone: 1, failed: 0 });
    expect(await exists(ids[0])).toBe(true);
    expect(await exists(ids[1])).toBe(false);
    expect(await exists(ids[2])).toBe(true);
  });

  it('is recognised by $metadata.httpStatusCode even when the error name differs', async () => {
    const { userId, ids } = await userWithConnections(1);
    management
      .on(PostToConnectionCommand)
      .rejects(new ApiGatewayManagementApiServiceException({ name: 'SomethingElse', $fault: 'client', $metadata: { httpStatusCode: 410 } }));

    expect(await deliverToUsers([userId], event, {}, deps())).toMatchObject({ gone: 1, failed: 0 });
    expect(await exists(ids[0])).toBe(false);
  });

  it("never deletes the sender's connection: it is not posted to, and only the recipients' stale connections go", async () => {
    const sender = await userWithConnections(2);
    const recipient = await userWithConnections(2);
    const senderConnection = sender.ids[0];
    management.on(PostToConnectionCommand).callsFake((input: { ConnectionId: string }) => Promise.reject(gone(input.ConnectionId)));

    const result = await deliverToUsers([sender.userId, recipient.userId], event, { exceptConnectionId: senderConnection }, deps());

    expect(postedTo()).not.toContain(senderConnection);
    expect(result).toEqual({ connections: 3, sent: 0, gone: 3, failed: 0 });
    expect(await exists(senderConnection)).toBe(true);
    expect(await exists(sender.ids[1])).toBe(false);
    expect(await exists(recipient.ids[0])).toBe(false);
    expect(await exists(recipient.ids[1])).toBe(false);
  });

  it('on a reply to the caller deletes nothing (its own $disconnect is on the way)', async () => {
    const { ids } = await userWithConnections(1);
    management.on(PostToConnectionCommand).rejects(gone(ids[0]));

    expect(await replyToConnection(ids[0], Events.Pong({ time: new Date().toISOString() }), deps())).toBe('gone');
    expect(await exists(ids[0])).toBe(true);
  });
});

describe('other failures', () => {
  it('are counted and logged, never thrown, and the connection is kept', async () => {
    const { userId, ids } = await userWithConnections(2);
    management
      .on(PostToConnectionCommand, { ConnectionId: ids[0] })
      .rejects(new ApiGatewayManagementApiServiceException({ name: 'InternalServerError', $fault: 'server', $metadata: { httpStatusCode: 500 } }));

    const result = await deliverToUsers([userId], event, {}, deps());

    expect(result).toEqual({ connections: 2, sent: 1, gone: 0, failed: 1 });
    expect(await exists(ids[0])).toBe(true);
  });

  it('a frame over 32 KB is refused before any call', async () => {
    const { userId } = await userWithConnections(1);
    const huge = Events.ChatMessage({ kind: 'new', chatId: 'c', message: { id: 'm', chatId: 'c', content: 'x'.repeat(33 * 1024) } });

    expect(await deliverToUsers([userId], huge, {}, deps())).toMatchObject({ skipped: 'frame_too_large', sent: 0 });
    expect(postedTo()).toEqual([]);
  });

  it('without a Management API endpoint nothing is sent and nothing throws', async () => {
    const { userId } = await userWithConnections(1);
    expect(await deliverToUsers([userId], event, {}, deps({ client: undefined }))).toMatchObject({ skipped: 'not_configured' });
    expect(postedTo()).toEqual([]);
  });
});

describe('an event that does not match its definition', () => {
  // VALIDATE_RESPONSES is configuration, read once per cold start: reset the cached config around each case.
  const saved = process.env.VALIDATE_RESPONSES;
  afterEach(() => {
    process.env.VALIDATE_RESPONSES = saved;
    resetConfigForTests();
  });
  const bad = { type: 'chat.typing', data: { chatId: 'c', isTyping: 'yes' } } as never;

  it('fails loudly when responses are validated (tests)', async () => {
    process.env.VALIDATE_RESPONSES = 'true';
    resetConfigForTests();
    await expect(deliverToUsers(['user_x'], bad, {}, deps())).rejects.toThrow(/Invalid chat.typing event: userId/);
  });

  it('is skipped and logged in production', async () => {
    process.env.VALIDATE_RESPONSES = 'false';
    resetConfigForTests();
    expect(await deliverToUsers(['user_x'], bad, {}, deps())).toMatchObject({ skipped: 'invalid_event', sent: 0 });
  });
});

describe('fan-out', () => {
  it('keeps at most `concurrency` PostToConnection calls in flight', async () => {
    const { userId } = await userWithConnections(25);
    let inFlight = 0;
    let peak = 0;
    management.on(PostToConnectionCommand).callsFake(async () => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return {};
    });

    const result = await deliverToUsers([userId], event, {}, deps({ concurrency: 10 }));

    expect(result.sent).toBe(25);
    expect(peak).toBe(10);
  });

  it('reaches each connection once when a user is named twice', async () => {
    const { userId, ids } = await userWithConnections(2);
    await deliverToUsers([userId, userId], event, {}, deps());
    expect(postedTo().sort()).toEqual([...ids].sort());
  });

  it('to admins reads the admin role index only', async () => {
    const admin = await userWithConnections(2, 'admin');
    const student = await userWithConnections(1, 'student');

    await deliverToAudience('admins', event, {}, deps());

    expect(postedTo()).toEqual(expect.arrayContaining(admin.ids));
    expect(postedTo()).not.toContain(student.ids[0]);
  });
});
