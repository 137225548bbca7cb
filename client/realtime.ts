// A small typed WebSocket client for the realtime API (docs/realtime.md): `on`/`next` for the server's frames
// by type, `send` for the client's actions, typed by events.d.ts (generated from shared/realtime by
// `npm run client`). Works with the browser's WebSocket or any class shaped like it (`ws` in Node).
import type { ClientActionMap, ServerEvent, ServerEventMap } from './events.d.ts';

/** The part of the WebSocket interface this wrapper uses (the browser's, or the `ws` package's). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (event: any) => void): void;
}

export interface RealtimeOptions {
  /** The WebSocket URL: `ws://localhost:3001/ws` locally, the stack's `WebSocketUrl` output in AWS. */
  url: string;
  /** The access token; the API authenticates the connection with it (`?token=`). */
  token: string;
  /** The WebSocket class; default the global one (browsers, Node 22+). */
  WebSocket?: new (url: string) => WebSocketLike;
}

type Listener<T extends keyof ServerEventMap> = (data: ServerEventMap[T]) => void;

export interface RealtimeClient {
  /** Calls `listener` with the data of every frame of this type; returns a function that stops it. */
  on<T extends keyof ServerEventMap>(type: T, listener: Listener<T>): () => void;
  /** The data of the next frame of this type that `match` accepts, or a rejection after `timeoutMs`. */
  next<T extends keyof ServerEventMap>(type: T, match?: (data: ServerEventMap[T]) => boolean, timeoutMs?: number): Promise<ServerEventMap[T]>;
  /** Sends a client action (`ping`, `chat.typing`). */
  send<A extends keyof ClientActionMap>(action: ClientActionMap[A]): void;
  /** Closes the connection (the server then forgets it). */
  close(): void;
}

/** Opens the connection and resolves once it is open; rejects when the server refuses it (a bad token). */
export function connectRealtime(options: RealtimeOptions): Promise<RealtimeClient> {
  const Socket = options.WebSocket ?? (globalThis as unknown as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
  if (!Socket) throw new Error('No WebSocket class: pass one (e.g. `ws`) as options.WebSocket');
  const url = new URL(options.url);
  url.searchParams.set('token', options.token);
  const socket = new Socket(url.href);
  const listeners = new Map<string, Set<(data: unknown) => void>>();

  socket.addEventListener('message', (event: { data: unknown }) => {
    let frame: ServerEvent;
    try {
      frame = JSON.parse(String(event.data)) as ServerEvent;
    } catch {
      return; // not a frame of this protocol
    }
    for (const listener of listeners.get(frame.type) ?? []) listener(frame.data);
  });

  const client: RealtimeClient = {
    on(type, listener) {
      const set = listeners.get(type) ?? new Set();
      listeners.set(type, set);
      set.add(listener as (data: unknown) => void);
      return () => set.delete(listener as (data: unknown) => void);
    },
    next(type, match = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          stop();
          reject(new Error(`no ${type} frame within ${timeoutMs} ms`));
        }, timeoutMs);
        const stop = client.on(type, (data) => {
          if (!match(data)) return;
          clearTimeout(timer);
          stop();
          resolve(data);
        });
      });
    },
    send(action) {
      socket.send(JSON.stringify(action));
    },
    close() {
      socket.close(1000);
    },
  };

  return new Promise((resolve, reject) => {
    socket.addEventListener('open', () => resolve(client));
    socket.addEventListener('error', () => reject(new Error(`WebSocket ${url.origin}${url.pathname} refused the connection`)));
  });
}
