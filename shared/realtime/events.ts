// Every frame the server sends over the WebSocket, defined once (name + zod schema of `data`): publishers
// (push module, domains) and the tests import these definitions, so a frame's shape cannot drift.
// Frame on the wire: `{ "type": "chat.message", "data": { ... } }`.
import * as z from '../zod.ts';

/** What a published event looks like before it is serialized. */
export interface ServerEvent<T extends string = string, D = unknown> {
  type: T;
  data: D;
}

export interface EventDefinition<T extends string, S extends z.ZodMiniType> {
  type: T;
  schema: S;
  /** Builds a frame, typed by the schema (the publisher's side). */
  (data: z.input<S>): ServerEvent<T, z.input<S>>;
}

function event<T extends string, S extends z.ZodMiniType>(type: T, schema: S): EventDefinition<T, S> {
  const build = (data: z.input<S>) => ({ type, data });
  return Object.assign(build, { type, schema }) as EventDefinition<T, S>;
}

// Domain payloads stay open (`z.looseObject`): the domain owning a payload (chats, notifications, tasks, ...)
// defines the full shape; this file pins what every client may rely on to route the event.

/** A chat message as the chats domain serializes it; deleted messages arrive as tombstones. */
const ChatMessagePayload = z.looseObject({ id: z.string(), chatId: z.string() });

export const Events = {
  /** A message was created, edited or deleted in a chat the recipient takes part in. */
  ChatMessage: event(
    'chat.message',
    z.object({ kind: z.enum(['new', 'edited', 'deleted']), chatId: z.string(), message: ChatMessagePayload }),
  ),
  /** Another participant started or stopped typing. */
  ChatTyping: event('chat.typing', z.object({ chatId: z.string(), userId: z.string(), isTyping: z.boolean() })),
  /** A notification was stored for the recipient (the same object GET /notifications lists). */
  NotificationNew: event(
    'notification.new',
    z.looseObject({ id: z.string(), type: z.string(), title: z.string(), message: z.string(), createdAt: z.string() }),
  ),
  /** A task's status moved (sent to its student and assigned admin). */
  TaskStatusChanged: event(
    'task.status_changed',
    z.looseObject({ taskId: z.string(), status: z.string(), previousStatus: z.optional(z.string()) }),
  ),
  /** A meeting is about to start (sent by the scheduled reminder). */
  MeetingReminder: event('meeting.reminder', z.looseObject({ meetingId: z.string() })),
  /** An admin broadcast, pushed once to everyone connected in its audience. */
  SystemAnnouncement: event(
    'system.announcement',
    z.looseObject({ id: z.string(), title: z.string(), message: z.string(), targetAudience: z.enum(['all', 'students', 'admins']) }),
  ),
  /** Answer to the client's `{"action":"ping"}` keep-alive. */
  Pong: event('pong', z.optional(z.object({ time: z.string() }))),
  /**
   * The server is about to close this connection, and why. `signed_out` / `session_ended` / `suspended`: do not
   * reconnect with the same access token (sign in again); `connection_limit`: the account has too many open
   * connections and this, the oldest, was closed: do not reconnect it automatically.
   */
  ConnectionClosing: event(
    'connection.closing',
    z.object({ reason: z.enum(['signed_out', 'session_ended', 'suspended', 'connection_limit']), message: z.string() }),
  ),
  /** The client's last frame could not be handled; the connection stays open. */
  Error: event(
    'error',
    z.object({
      code: z.string(),
      message: z.string(),
      /** The action the client sent, when it could be read. */
      action: z.optional(z.string()),
      details: z.optional(z.record(z.string(), z.unknown())),
    }),
  ),
} as const;

type Definitions = (typeof Events)[keyof typeof Events];

/** Any frame the server may send, as a discriminated union on `type`. */
export type AnyServerEvent = { [K in keyof typeof Events]: ServerEvent<(typeof Events)[K]['type'], z.input<(typeof Events)[K]['schema']>> }[keyof typeof Events];

export type ServerEventType = Definitions['type'];

/** The data of one event type, e.g. `EventData<'chat.typing'>`. */
export type EventData<T extends ServerEventType> = Extract<AnyServerEvent, { type: T }>['data'];

const byType = new Map<string, Definitions>(Object.values(Events).map((d) => [d.type, d]));

export const serverEventTypes = [...byType.keys()] as ServerEventType[];

/** Checks an event against its definition; returns the reason when it does not match. */
export function checkEvent(e: { type: string; data?: unknown }): { ok: true } | { ok: false; reason: string } {
  const def = byType.get(e.type);
  if (!def) return { ok: false, reason: `unknown event type "${e.type}"` };
  const parsed = def.schema.safeParse(e.data);
  if (parsed.success) return { ok: true };
  return { ok: false, reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'data'}: ${i.message}`).join('; ') };
}

/** The wire frame schema, for clients and tests that read frames: `{ type, data }`. */
export const ServerFrame = z.object({ type: z.enum(serverEventTypes as [ServerEventType, ...ServerEventType[]]), data: z.optional(z.unknown()) });
