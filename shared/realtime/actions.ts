// What clients may send over the WebSocket, and the API Gateway routes that follow from it. The CDK stack
// creates one route per entry of `websocketRouteKeys`; the local emulator selects routes from the same list.
import * as z from '../zod.ts';

/** API Gateway selects the route from this expression; a frame without a known `action` goes to `$default`. */
export const ROUTE_SELECTION_EXPRESSION = '$request.body.action';

export const ClientActions = {
  /** Keep-alive: API Gateway drops a connection idle for 10 minutes. Answered with `pong`. */
  ping: z.object({ action: z.literal('ping') }),
  /** Typing indicator for one chat; relayed as `chat.typing` to the chat's other participants. */
  'chat.typing': z.object({ action: z.literal('chat.typing'), chatId: z.string().check(z.minLength(1), z.maxLength(64)), isTyping: z.boolean() }),
} as const;

export type ClientActionName = keyof typeof ClientActions;
export type ClientAction<A extends ClientActionName> = z.infer<(typeof ClientActions)[A]>;

export const clientActionNames = Object.keys(ClientActions) as ClientActionName[];

/** Every route key of the WebSocket API, all served by `functions/realtime/handler.ts`. */
export const websocketRouteKeys = ['$connect', '$disconnect', '$default', ...clientActionNames] as const;
export type WebSocketRouteKey = '$connect' | '$disconnect' | '$default' | ClientActionName;

/** API Gateway's limits that shape the protocol (frames both ways, connection lifetime, idle timeout). */
export const WEBSOCKET_LIMITS = {
  maxFrameBytes: 32 * 1024,
  maxConnectionSeconds: 2 * 60 * 60,
  idleTimeoutSeconds: 10 * 60,
} as const;

/** The route API Gateway picks for a frame: the `action` when it names a declared route, else `$default`. */
export function selectRoute(body: string | undefined): WebSocketRouteKey {
  if (!body) return '$default';
  try {
    const parsed: unknown = JSON.parse(body);
    const action = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as { action?: unknown }).action : undefined;
    return typeof action === 'string' && (clientActionNames as string[]).includes(action) ? (action as ClientActionName) : '$default';
  } catch {
    return '$default';
  }
}
