// A real `ws` client for tests of the WebSocket API: connects with ?token=, collects every frame, and waits
// for the next frame of a given type. Use `stack.wsUrl` from useTestStack().
import { WebSocket } from 'ws';

export interface Frame {
  type: string;
  data?: any;
  /** API Gateway's own frames (e.g. "Internal server error") have `message` instead of `type`. */
  message?: string;
}

export interface TestSocket {
  ws: WebSocket;
  /** Every frame received so far, in order. */
  frames: Frame[];
  send(frame: unknown): void;
  /** Resolves with the next not-yet-taken frame matching `type` (or the predicate); rejects after `timeoutMs`. */
  next(match?: string | ((f: Frame) => boolean), timeoutMs?: number): Promise<Frame>;
  /** Resolves true if a matching frame arrives within `ms`, false otherwise (for "receives nothing" checks). */
  receives(match: string | ((f: Frame) => boolean), ms?: number): Promise<boolean>;
  /** Resolves with the close code and reason once the socket closes. */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** The HTTP status of a refused upgrade. */
export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`WebSocket upgrade refused with ${status}`);
  }
}

export function wsUrlWithToken(wsUrl: string, token?: string): string {
  return token === undefined ? wsUrl : `${wsUrl}?token=${encodeURIComponent(token)}`;
}

/** Opens a socket; rejects with UpgradeRefused when the server answers the upgrade with an HTTP error. */
export function connectSocket(wsUrl: string, token?: string): Promise<TestSocket> {
  const ws = new WebSocket(wsUrlWithToken(wsUrl, token));
  const frames: Frame[] = [];
  const taken = new Set<Frame>();
  const waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));

  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as Frame;
    frames.push(frame);
    const i = waiters.findIndex((w) => w.match(frame));
    if (i >= 0) {
      taken.add(frame);
      waiters.splice(i, 1)[0].resolve(frame);
    }
  });

  const matcher = (match?: string | ((f: Frame) => boolean)) =>
    match === undefined ? () => true : typeof match === 'string' ? (f: Frame) => f.type === match : match;

  const socket: TestSocket = {
    ws,
    frames,
    closed,
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    next(match, timeoutMs = 5_000) {
      const m = matcher(match);
      const already = frames.find((f) => !taken.has(f) && m(f));
      if (already) {
        taken.add(already);
        return Promise.resolve(already);
      }
      return new Promise<Frame>((resolve, reject) => {
        const waiter = {
          match: m,
          resolve: (f: Frame) => {
            clearTimeout(timer);
            resolve(f);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no ${typeof match === 'string' ? match : 'matching'} frame within ${timeoutMs} ms; got ${JSON.stringify(frames)}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    async receives(match, ms = 300) {
      return socket.next(match, ms).then(
        () => true,
        () => false,
      );
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      await closed;
    },
  };

  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(new UpgradeRefused(res.statusCode ?? 0, body)));
      res.on('error', () => reject(new UpgradeRefused(res.statusCode ?? 0, body)));
    });
    ws.once('error', (err) => reject(err));
  });
}

/** Polls `check` until it returns true (e.g. a $disconnect has removed an item); fails after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
