// The local emulators that plug into the gateway beside the HTTP API (WebSocket API, Management API, webhooks).
import type { GatewayExtension } from './gateway.ts';
import { createWebSocketEmulator } from './websocket.ts';
import { createLambdaApiEmulator } from './lambda-api.ts';
import { createSchedulerEmulator } from './scheduler-api.ts';

export interface ExtensionContext {
  gatewayUrl: string;
  stateDir: string;
}

const seconds = (name: string): number | undefined => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value * 1000 : undefined;
};

export async function localExtensions(ctx: ExtensionContext): Promise<GatewayExtension[]> {
  return [
    // The EventBridge Scheduler API at <gateway>/schedules/{name} (AWS_ENDPOINT_URL_SCHEDULER = gateway URL);
    // due schedules invoke their target function's handler, as in AWS. Kept in <stateDir>/schedules.json.
    createSchedulerEmulator({ stateDir: ctx.stateDir, tickMs: Number(process.env.LOCAL_SCHEDULER_TICK_MS) || undefined }),
    // The Lambda Invoke API for asynchronous jobs (AWS_ENDPOINT_URL_LAMBDA = gateway URL).
    createLambdaApiEmulator({ functions: ['fanout'] }),
    // ws://<gateway>/ws and the Management API at <gateway>/@connections/{id} (WEBSOCKET_ENDPOINT = gateway URL).
    createWebSocketEmulator({
      idleTimeoutMs: seconds('LOCAL_WS_IDLE_TIMEOUT_SECONDS'),
      maxConnectionMs: seconds('LOCAL_WS_MAX_CONNECTION_SECONDS'),
    }),
  ];
}
