// Builds the AsyncAPI 3.0 document of the WebSocket API from the events contract (events.ts: every frame the
// server pushes) and the actions contract (actions.ts: every frame a client sends), with the words of
// docs/realtime.md. Documentation only: read by bin/openapi.ts and the tests, never by a function.
//
// The document describes the server: it `send`s events and `receive`s actions (AsyncAPI 3 operations are from
// the described application's side).
import * as z from '../zod.ts';
import { Events, type ServerEventType } from './events.ts';
import { ClientActions, WEBSOCKET_LIMITS, type ClientActionName } from './actions.ts';
import { exampleId, EXAMPLE_TIME, type JsonSchema } from '../http/schema-example.ts';
// The same resources as the HTTP API's examples: a pushed message or notification is what GET lists.
import { messageExample } from '../contract/docs/chats.ts';
import { notificationExample } from '../contract/docs/notifications.ts';

interface FrameDoc {
  /** Short line for lists. */
  summary: string;
  /** Markdown: when it is sent, to whom, what to do with it. */
  description: string;
  /** A whole frame as it travels. */
  example: unknown;
}

const chatId = exampleId('chat');
const userId = exampleId('user');

/** Every server event, by type. The tests check that each event of events.ts has one and that its example passes `checkEvent`. */
export const eventDocs: Record<ServerEventType, FrameDoc> = {
  'chat.message': {
    summary: 'A message was created, edited or deleted in a chat you take part in',
    description:
      "`kind` says what happened; `message` is the message as the chats endpoints return it (`GET /chats/{chatId}/messages`); a deleted message arrives as its tombstone (empty `content`, no attachments, `deleted: true`). Sent to the chat's other participants and to the sender's other connections.",
    example: { type: 'chat.message', data: { kind: 'new', chatId, message: messageExample } },
  },
  'chat.typing': {
    summary: 'Another participant started or stopped typing',
    description: "Sent to the chat's other participants when one sends `chat.typing` (or calls `POST /chats/{chatId}/typing`). An indicator lasts 8 seconds unless repeated.",
    example: { type: 'chat.typing', data: { chatId, userId, isTyping: true } },
  },
  'notification.new': {
    summary: 'A notification was stored for you',
    description: 'The notification exactly as `GET /notifications` lists it. Sent to its recipient when their push preference for its category allows.',
    example: {
      type: 'notification.new',
      data: notificationExample,
    },
  },
  'task.status_changed': {
    summary: "A task's status moved",
    description: "Sent to the task's student and its assigned admin. `previousStatus` is absent for a new task; `taskTitle` and `at` (when it moved) come with it.",
    example: {
      type: 'task.status_changed',
      data: { taskId: exampleId('task'), status: 'in_progress', previousStatus: 'pending', taskTitle: 'Machine Learning Research Paper', at: EXAMPLE_TIME },
    },
  },
  'meeting.reminder': {
    summary: 'A meeting starts soon',
    description:
      "Sent once per reminder offset (`MEETING_REMINDER_OFFSETS`, default 24 h and 15 min before the start) to the meeting's participants, or to every admin while no admin has taken it. `offsetSeconds` is how long before the start this reminder was due.",
    example: {
      type: 'meeting.reminder',
      data: { meetingId: exampleId('meet'), title: 'Project Discussion', startAt: '2025-02-01T14:00:00.000Z', endAt: '2025-02-01T15:00:00.000Z', type: 'virtual', offsetSeconds: 900 },
    },
  },
  'system.announcement': {
    summary: 'An admin announcement for your audience',
    description: 'Pushed once to every connected user of its audience when an admin creates it (`POST /admin/announcements`); `GET /announcements` lists the active ones.',
    example: {
      type: 'system.announcement',
      data: {
        id: exampleId('ann'),
        title: 'System Maintenance',
        message: 'Scheduled maintenance on Saturday from 02:00 to 03:00 UTC.',
        type: 'warning',
        targetAudience: 'all',
        expiresAt: '2025-01-20T00:00:00.000Z',
        createdBy: exampleId('user'),
        createdAt: EXAMPLE_TIME,
      },
    },
  },
  pong: {
    summary: 'Answer to `ping`',
    description: 'Sent to the connection that sent `{"action":"ping"}`, with the server time.',
    example: { type: 'pong', data: { time: EXAMPLE_TIME } },
  },
  'connection.closing': {
    summary: 'The server is about to close this connection',
    description:
      'Sent just before the server closes the connection. `signed_out`, `session_ended`, `suspended`: the access token is no longer good; sign in (or refresh) before reconnecting. `connection_limit`: the account has more than 10 open connections and this, its oldest, was closed: do not reconnect it automatically, or two tabs evict each other forever.',
    example: { type: 'connection.closing', data: { reason: 'signed_out', message: 'You signed out.' } },
  },
  error: {
    summary: 'Your last frame could not be handled',
    description:
      'The connection stays open. `VALIDATION_ERROR`: not a JSON object, no `action`, or a bad field (`details.field`); `NOT_FOUND`: an unknown action, or `chat.typing` for a chat you are not in; `AUTHENTICATION_REQUIRED`: the connection is no longer known (reconnect with a fresh token); `RATE_LIMIT_EXCEEDED`: more than 60 `chat.typing` frames a minute (`details.retryAfterSeconds`; the frame was dropped).',
    example: {
      type: 'error',
      data: { code: 'NOT_FOUND', message: 'Unknown action "subscribe"; known actions: ping, chat.typing', action: 'subscribe' },
    },
  },
};

/** Every client action, by name. The tests check each action of actions.ts has one and that its example parses. */
export const actionDocs: Record<ClientActionName, FrameDoc & { reply?: ServerEventType }> = {
  ping: {
    summary: 'Keep-alive',
    description: 'API Gateway closes a connection idle for 10 minutes: send this every few minutes. Answered with `pong`; never rate limited.',
    example: { action: 'ping' },
    reply: 'pong',
  },
  'chat.typing': {
    summary: 'Tell the chat you are typing (or stopped)',
    description:
      "Relayed as `chat.typing` to the chat's other participants; nothing comes back on success. An `error` frame with `NOT_FOUND` when the chat does not exist or you are not in it. At most 60 a minute per connection.",
    example: { action: 'chat.typing', chatId, isTyping: true },
  },
};

const messageName = (name: string) => name.replace(/[._](\w)/g, (_, c: string) => c.toUpperCase());

function jsonSchema(schema: z.core.$ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return json;
}

const DESCRIPTION = `The WebSocket API of GradHelper: live chat messages and typing, notifications, task status changes, meeting reminders and announcements.
The HTTP API is described by the OpenAPI document beside this one: [openapi.json](./openapi.json).

## Connecting
Open the WebSocket URL with \`?token=<access token>\` (the 15-minute access token of \`POST /auth/login\`): the spec's \`wss://api.gradhelper.com/ws\`, a deployment's \`WebSocketUrl\` stack output (\`wss://<api>/<stage>\`), \`ws://localhost:3001/ws\` locally.
The token goes in the query string because
browsers cannot set headers on a WebSocket upgrade. It is checked once, at the upgrade:
a missing, invalid or expired token, or one of a session that has ended, refuses the upgrade with HTTP **401**; a suspended account with **403**.
At most 10 connections per user: connecting past it closes the oldest (\`connection.closing\`, reason \`connection_limit\`).

## Frames
Server to client: \`{ "type": "<event>", "data": { ... } }\`. Client to server: \`{ "action": "<action>", ... }\`. Frames are at most ${WEBSOCKET_LIMITS.maxFrameBytes / 1024} KB.
If the server's handler itself fails, API Gateway sends its own frame \`{"message": "Internal server error", "connectionId", "requestId"}\`, which has no \`type\`.

## Closing
The connection lives until the client closes it, ${WEBSOCKET_LIMITS.idleTimeoutSeconds / 60} minutes without a client frame (send \`ping\`), ${WEBSOCKET_LIMITS.maxConnectionSeconds / 3600} hours in all, or the end of its session
(sign-out, password reset, suspension, a revoked session), which the server announces with \`connection.closing\` first. Close codes: **1000** closed by the server,
**1001** idle timeout or maximum duration, **1009** a frame over ${WEBSOCKET_LIMITS.maxFrameBytes / 1024} KB. After an unannounced close, reconnect with a fresh access token
(refresh it first if needed), then fetch current state over REST: frames sent while offline are not replayed.`;

/** The AsyncAPI 3.0 document of the WebSocket API. */
export function buildAsyncApi() {
  const messages: Record<string, unknown> = {};
  const channelMessages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};

  for (const def of Object.values(Events)) {
    const doc = eventDocs[def.type];
    const name = messageName(def.type);
    messages[name] = {
      name: def.type,
      title: def.type,
      summary: doc.summary,
      description: doc.description,
      payload: {
        type: 'object',
        required: def.type === 'pong' ? ['type'] : ['type', 'data'],
        properties: { type: { const: def.type }, data: jsonSchema(def.schema, 'output') },
      },
      examples: [{ name: def.type, payload: doc.example }],
    };
    channelMessages[name] = { $ref: `#/components/messages/${name}` };
    operations[`send${name[0].toUpperCase()}${name.slice(1)}`] = {
      action: 'send',
      channel: { $ref: '#/channels/socket' },
      summary: `Push \`${def.type}\`: ${doc.summary.toLowerCase()}`,
      messages: [{ $ref: `#/channels/socket/messages/${name}` }],
    };
  }
  for (const [action, schema] of Object.entries(ClientActions) as [ClientActionName, z.core.$ZodType][]) {
    const doc = actionDocs[action];
    const name = `${messageName(action)}Action`;
    messages[name] = {
      name: action,
      title: `${action} (client)`,
      summary: doc.summary,
      description: doc.description,
      payload: jsonSchema(schema, 'input'),
      examples: [{ name: action, payload: doc.example }],
    };
    channelMessages[name] = { $ref: `#/components/messages/${name}` };
    const replyName = doc.reply ? messageName(doc.reply) : undefined;
    operations[`receive${name[0].toUpperCase()}${name.slice(1)}`] = {
      action: 'receive',
      channel: { $ref: '#/channels/socket' },
      summary: `Client sends \`${action}\`: ${doc.summary.toLowerCase()}`,
      messages: [{ $ref: `#/channels/socket/messages/${name}` }],
      ...(replyName ? { reply: { channel: { $ref: '#/channels/socket' }, messages: [{ $ref: `#/channels/socket/messages/${replyName}` }] } } : {}),
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'GradHelper WebSocket API',
      version: '1.0.0',
      description: DESCRIPTION,
      contact: { name: 'GradHelper backend team' },
    },
    defaultContentType: 'application/json',
    servers: {
      production: {
        host: 'api.gradhelper.com',
        pathname: '/ws',
        protocol: 'wss',
        description: 'Production (the spec\'s host; a deployment\'s own WebSocket URL is a stack output)',
        security: [{ $ref: '#/components/securitySchemes/accessToken' }],
      },
      local: {
        host: 'localhost:3001',
        pathname: '/ws',
        protocol: 'ws',
        description: 'Local stack (`npm start`)',
        security: [{ $ref: '#/components/securitySchemes/accessToken' }],
      },
    },
    channels: {
      socket: {
        address: '/ws',
        title: 'The WebSocket connection',
        description: 'One connection per tab or device carries every event for its user and every client action.',
        messages: channelMessages,
        bindings: {
          ws: {
            method: 'GET',
            query: {
              type: 'object',
              required: ['token'],
              properties: { token: { type: 'string', description: 'The access token (JWT) of `POST /auth/login` or `/auth/refresh`.' } },
            },
            bindingVersion: '0.1.0',
          },
        },
      },
    },
    operations,
    components: {
      securitySchemes: {
        accessToken: {
          type: 'httpApiKey',
          name: 'token',
          in: 'query',
          description: 'The 15-minute access token, in the `token` query parameter of the upgrade request.',
        },
      },
      messages,
    },
  };
}
