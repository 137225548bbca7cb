// The local emulators that plug into the gateway beside the HTTP API (WebSocket API, Management API, webhooks).
import type { GatewayExtension } from './gateway.ts';
import { createWebSocketEmulator } from './websocket.ts';
import { createFunctionUrlEmulator, createLambdaApiEmulator, FUNCTION_URL_PATH } from './lambda-api.ts';
import { createStripeEmulator } from './stripe-api.ts';
import { createSchedulerEmulator } from './scheduler-api.ts';

export interface ExtensionContext {
  gatewayUrl: string;
  stateDir: string;
  /** Set when the Stripe API is emulated (no STRIPE_SECRET_KEY): events are signed with this secret. */
  stripeWebhookSecret?: string;
}

/** Where the emulated Stripe delivers events: the webhook function's (local) Function URL. */
export const localStripeWebhookUrl = (gatewayUrl: string) => `${gatewayUrl}${FUNCTION_URL_PATH}/webhook/`;

const seconds = (name: string): number | undefined => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value * 1000 : undefined;
};

export async function localExtensions(ctx: ExtensionContext): Promise<GatewayExtension[]> {
  return [
    // The webhook function's URL, as the Function URL registered with Stripe in AWS.
    createFunctionUrlEmulator({ functions: ['webhook'] }),
    // Stripe's API at <gateway>/_stripe (STRIPE_API_URL), delivering signed events to the webhook.
    ...(ctx.stripeWebhookSecret
      ? [
          createStripeEmulator({
            stateDir: ctx.stateDir,
            webhookUrl: localStripeWebhookUrl(ctx.gatewayUrl),
            webhookSecret: ctx.stripeWebhookSecret,
            retryBaseMs: Number(process.env.LOCAL_STRIPE_RETRY_MS) || undefined,
          }),
        ]
      : []),
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
