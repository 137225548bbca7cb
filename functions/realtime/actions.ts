// What the server does with a frame a client sends: `ping`, `chat.typing`, or an error frame for anything
// else. Answers go back to the caller over the Management API (as in AWS), never as the Lambda's result.
import * as z from '#shared/zod.ts';
import type { Db } from '#shared/db/client.ts';
import type { Role } from '#shared/auth/tokens.ts';
import type { Logger } from '#shared/log.ts';
import { AppError } from '#shared/errors.ts';
import { getConnection } from '#shared/db/entities/connection.ts';
import type { relayTyping as chatsRelayTyping } from '../chats/typing.ts';
import { ClientActions, clientActionNames, type ClientActionName } from '#shared/realtime/actions.ts';
import { reportUnexpectedError } from '#shared/observability/errors.ts';
import { Events, type AnyServerEvent } from '#shared/realtime/events.ts';

/** The chats domain's typing relay: checks the participant, pushes `chat.typing` (a type-only import: no bundling). */
export type RelayTyping = (input: Omit<Parameters<typeof chatsRelayTyping>[0], 'deps'>) => Promise<unknown>;

export interface FrameDeps {
  db: Db;
  /** Sends one frame back to the calling connection. */
  reply: (event: AnyServerEvent) => Promise<unknown>;
  /** Resolves the chats domain's relay; undefined while that domain is not deployed. */
  loadRelayTyping: () => Promise<RelayTyping | undefined>;
  /** Counts one action of this connection; throws 429 RATE_LIMIT_EXCEEDED past the per-connection limit. */
  limitAction: () => Promise<void>;
  log: Logger;
}

export interface IncomingFrame {
  connectionId: string;
  /** The route API Gateway selected from `$request.body.action`. */
  routeKey: string;
  body: string | undefined;
  now: Date;
}

const knownActions = clientActionNames.join(', ');

class FrameError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Reads the frame as a JSON object with an action; anything else is the client's mistake, told in an error frame. */
function parseFrame(body: string | undefined): { action: string; frame: Record<string, unknown> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch {
    throw new FrameError('VALIDATION_ERROR', `Frames must be JSON objects such as {"action":"ping"}; known actions: ${knownActions}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new FrameError('VALIDATION_ERROR', `Frames must be JSON objects such as {"action":"ping"}; known actions: ${knownActions}`);
  }
  const action = (parsed as { action?: unknown }).action;
  if (typeof action !== 'string' || !action) {
    throw new FrameError('VALIDATION_ERROR', `The frame has no "action"; known actions: ${knownActions}`, { field: 'action', issue: 'required' });
  }
  return { action, frame: parsed as Record<string, unknown> };
}

function validate<A extends ClientActionName>(action: A, frame: Record<string, unknown>): z.infer<(typeof ClientActions)[A]> {
  const parsed = ClientActions[action].safeParse(frame);
  if (parsed.success) return parsed.data as z.infer<(typeof ClientActions)[A]>;
  const issue = parsed.error.issues[0];
  const field = issue.path.join('.') || 'frame';
  throw new FrameError('VALIDATION_ERROR', `Invalid "${action}" frame: ${field}: ${issue.message}`, { field, issue: issue.message });
}

async function relayTyping(deps: FrameDeps, input: IncomingFrame, frame: Record<string, unknown>): Promise<void> {
  const { chatId, isTyping } = validate('chat.typing', frame);
  await deps.limitAction();
  const relay = await deps.loadRelayTyping();
  if (!relay) throw new FrameError('NOT_FOUND', 'chat.typing is not available');
  // Message events carry no identity: the connection item stored at $connect says who is typing.
  const connection = await getConnection(deps.db, input.connectionId, input.now);
  if (!connection) throw new FrameError('AUTHENTICATION_REQUIRED', 'This connection is not registered any more; reconnect with a fresh token');
  await relay({ db: deps.db, userId: connection.userId, role: connection.role, chatId, isTyping, connectionId: input.connectionId, now: input.now });
}

/** Handles one client frame. Never throws for the client's mistakes: they become `error` frames. */
export async function handleClientFrame(deps: FrameDeps, input: IncomingFrame): Promise<void> {
  let action: string | undefined;
  try {
    const parsed = parseFrame(input.body);
    action = parsed.action;
    switch (action) {
      case 'ping':
        validate('ping', parsed.frame);
        await deps.reply(Events.Pong({ time: input.now.toISOString() }));
        return;
      case 'chat.typing':
        await relayTyping(deps, input, parsed.frame);
        return;
      default:
        throw new FrameError('NOT_FOUND', `Unknown action "${action.slice(0, 64)}"; known actions: ${knownActions}`, { field: 'action', issue: 'unknown' });
    }
  } catch (err) {
    let data: { code: string; message: string; details?: Record<string, unknown> };
    if (err instanceof FrameError || err instanceof AppError) {
      data = { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) };
    } else {
      // Route: the action when it is one of ours (a dimension: never the client's free text).
      reportUnexpectedError(deps.log, err, { route: action && (clientActionNames as string[]).includes(action) ? action : '$default' });
      data = { code: 'INTERNAL_SERVER_ERROR', message: 'An unexpected error occurred' };
    }
    const known = action && (clientActionNames as string[]).includes(action) ? { action } : {};
    await deps.reply(Events.Error({ ...data, ...known }));
  }
}
