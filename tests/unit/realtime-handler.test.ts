// The WebSocket Lambda invoked directly with API Gateway events: what it answers API Gateway, what it sends
// back to the caller (the Management API requests it sent to the local gateway, tapped on the wire), and how
// `chat.typing` reaches the chats domain's relay whether or not that domain is there. Connection items live in
// DynamoDB Local.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { useTestStack } from '../support/stack.ts';
import { tapTransport } from '../support/aws-transport.ts';
import { seedAdmin, seedStudent } from '../support/users.ts';
import { getDb } from '../../shared/db/client.ts';
import { createLogger } from '../../shared/log.ts';
import { forbidden } from '../../shared/errors.ts';
import { getConnection } from '../../shared/db/entities/connection.ts';
import { createManagementApi, type ManagementApi } from '../../shared/aws/management-api.ts';
import { createWebSocketHandler, type RealtimeDeps, type WebSocketEvent } from '../../functions/realtime/handler.ts';
import type { RelayTyping } from '../../functions/realtime/actions.ts';
import { loadRelayTyping } from '../../functions/realtime/typing.ts';

const stack = useTestStack();

// The events below name connections with no socket on the gateway, so it answers each reply 410 (the handler
// ignores that); what matters here is what was sent.
const wire = tapTransport();
let client: ManagementApi | undefined;
const managementClient = () => (client ??= createManagementApi({ endpoint: stack.gatewayUrl, transport: wire.transport }));
const NOW = new Date('2030-01-01T10:00:00.000Z');

function handlerWith(more: Partial<RealtimeDeps> = {}) {
  return createWebSocketHandler({ db: getDb(), managementClient, now: () => NOW, log: createLogger({}), ...more });
}

function wsEvent(routeKey: string, connectionId: string, extra: Partial<WebSocketEvent> = {}): WebSocketEvent {
  return {
    requestContext: {
      routeKey,
      eventType: routeKey === '$connect' ? 'CONNECT' : routeKey === '$disconnect' ? 'DISCONNECT' : 'MESSAGE',
      messageId: 'm',
      extendedRequestId: 'e',
      requestTime: NOW.toUTCString(),
      messageDirection: 'IN',
      stage: 'v1',
      connectedAt: NOW.getTime(),
      requestTimeEpoch: NOW.getTime(),
      requestId: 'r',
      domainName: 'abc.execute-api.us-east-1.amazonaws.com',
      connectionId,
      apiId: 'abc',
    },
    isBase64Encoded: false,
    ...extra,
  };
}

/** Frames the handler posted back, decoded. */
function replies(): { connectionId: string; frame: { type: string; data?: any } }[] {
  return wire.sent
    .filter((r) => r.method === 'POST')
    .map((r) => ({ connectionId: decodeURIComponent(r.path.split('/@connections/')[1]), frame: JSON.parse(r.body) }));
}

const newId = () => randomBytes(11).toString('base64');

async function connectedAs(seed: typeof seedStudent) {
  const actor = await seed();
  const connectionId = newId();
  const out = await handlerWith()(wsEvent('$connect', connectionId, { queryStringParameters: { token: actor.token } }));
  expect(out.statusCode).toBe(200);
  return { ...actor, connectionId };
}

beforeEach(() => {
  wire.sent.length = 0;
});

describe('$connect and $disconnect', () => {
  it('answers 401 without a token and stores nothing', async () => {
    const id = newId();
    expect(await handlerWith()(wsEvent('$connect', id))).toMatchObject({ statusCode: 401 });
    expect(await getConnection(getDb(), id, NOW)).toBeUndefined();
  });

  it('stores the connection under the user and role of the token', async () => {
    const { user, connectionId } = await connectedAs(seedAdmin);
    expect(await getConnection(getDb(), connectionId, NOW)).toMatchObject({ userId: user.id, role: 'admin', connectedAt: NOW.toISOString() });
  });

  it('$disconnect deletes the connection, and answers 200 for one already gone', async () => {
    const { connectionId } = await connectedAs(seedStudent);
    expect(await handlerWith()(wsEvent('$disconnect', connectionId))).toEqual({ statusCode: 200 });
    expect(await getConnection(getDb(), connectionId, NOW)).toBeUndefined();
    expect(await handlerWith()(wsEvent('$disconnect', connectionId))).toEqual({ statusCode: 200 });
  });
});

describe('message routes', () => {
  it('answer API Gateway 200 and reply to the caller through the Management API', async () => {
    const { connectionId } = await connectedAs(seedStudent);
    const out = await handlerWith()(wsEvent('ping', connectionId, { body: '{"action":"ping"}' }));
    expect(out).toEqual({ statusCode: 200 });
    expect(replies()).toEqual([{ connectionId, frame: { type: 'pong', data: { time: NOW.toISOString() } } }]);
  });

  it('read a base64-encoded body', async () => {
    const { connectionId } = await connectedAs(seedStudent);
    await handlerWith()(wsEvent('ping', connectionId, { body: Buffer.from('{"action":"ping"}').toString('base64'), isBase64Encoded: true }));
    expect(replies()[0].frame.type).toBe('pong');
  });
});

describe('chat.typing', () => {
  const typingFrame = (connectionId: string, chatId = 'chat_01', isTyping = true) =>
    wsEvent('chat.typing', connectionId, { body: JSON.stringify({ action: 'chat.typing', chatId, isTyping }) });

  it('answers a NOT_FOUND error frame while the chats domain is not available', async () => {
    const { connectionId } = await connectedAs(seedStudent);
    await handlerWith({ loadRelayTyping: async () => undefined })(typingFrame(connectionId));
    expect(replies()).toEqual([
      { connectionId, frame: { type: 'error', data: { code: 'NOT_FOUND', message: 'chat.typing is not available', action: 'chat.typing' } } },
    ]);
  });

  it("hands the chats domain's relay the connection's user and role, and replies nothing on success", async () => {
    const { user, connectionId } = await connectedAs(seedAdmin);
    const relay = vi.fn<RelayTyping>(async () => undefined);

    await handlerWith({ loadRelayTyping: async () => relay })(typingFrame(connectionId, 'chat_42', false));

    expect(relay).toHaveBeenCalledWith({ db: getDb(), userId: user.id, role: 'admin', chatId: 'chat_42', isTyping: false, connectionId, now: NOW });
    expect(replies()).toEqual([]);
  });

  it("turns the relay's domain error into an error frame", async () => {
    const { connectionId } = await connectedAs(seedStudent);
    await handlerWith({ loadRelayTyping: async () => async () => Promise.reject(forbidden('Not your chat')) })(typingFrame(connectionId));
    expect(replies()[0].frame).toEqual({ type: 'error', data: { code: 'UNAUTHORIZED', message: 'Not your chat', action: 'chat.typing' } });
  });

  it('hides an unexpected failure behind INTERNAL_SERVER_ERROR', async () => {
    const { connectionId } = await connectedAs(seedStudent);
    await handlerWith({ loadRelayTyping: async () => async () => Promise.reject(new Error('socket hang up at 10.0.0.1')) })(typingFrame(connectionId));
    expect(replies()[0].frame).toEqual({ type: 'error', data: { code: 'INTERNAL_SERVER_ERROR', message: 'An unexpected error occurred', action: 'chat.typing' } });
  });

  it('refuses a connection that is not registered (expired or deleted) with AUTHENTICATION_REQUIRED', async () => {
    const relay = vi.fn<RelayTyping>(async () => undefined);
    await handlerWith({ loadRelayTyping: async () => relay })(typingFrame('UnknownConn00A='));
    expect(relay).not.toHaveBeenCalled();
    expect(replies()[0].frame.data.code).toBe('AUTHENTICATION_REQUIRED');
  });

  it('validates the frame before calling the relay', async () => {
    const { connectionId } = await connectedAs(seedStudent);
    const relay = vi.fn<RelayTyping>(async () => undefined);
    await handlerWith({ loadRelayTyping: async () => relay })(wsEvent('chat.typing', connectionId, { body: '{"action":"chat.typing","chatId":"","isTyping":true}' }));
    expect(relay).not.toHaveBeenCalled();
    expect(replies()[0].frame.data).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'chatId' } });
  });

  it("the production loader finds the chats domain's relayTyping", async () => {
    expect(typeof (await loadRelayTyping())).toBe('function');
  });
});
