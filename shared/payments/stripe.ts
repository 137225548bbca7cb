// The Stripe client: one per cold start, its secret key from the environment (local, test mode) or Secrets
// Manager (AWS), and its API base from STRIPE_API_URL when set (the local emulator at <gateway>/_stripe, whose
// path prefix the SDK cannot express, so requests go through a client that prepends it).
import Stripe from 'stripe';
import { readSecretString, SecretReadError } from '../secrets/extension.ts';
import { recordRemoteCall } from '../observability/tracing.ts';
import { getConfig } from '../config.ts';
import { AppError } from '../errors.ts';

let stripePromise: Promise<Stripe> | undefined;
let webhookSecretPromise: Promise<string> | undefined;

async function secretValue(arn: string, what: string): Promise<string> {
  let value: string;
  try {
    value = (await readSecretString(arn)).trim();
  } catch (err) {
    // No value stored yet (the stack creates the secret empty), or no access: a configuration gap, not a bug.
    if (err instanceof SecretReadError) throw new AppError('SERVICE_UNAVAILABLE', `${what} could not be read from Secrets Manager (docs/deploy.md)`);
    throw err;
  }
  if (!value) throw new AppError('SERVICE_UNAVAILABLE', `${what} is not set in Secrets Manager yet (docs/deploy.md)`);
  return value;
}

/** Stripe SDK options for an API base URL such as `http://localhost:3001/_stripe`. */
export function stripeOptionsFor(apiUrl: string | undefined): Stripe.StripeConfig {
  const options: Stripe.StripeConfig = { maxNetworkRetries: 2, timeout: 10_000, appInfo: { name: 'gradhelper-backend' } };
  if (!apiUrl) return options;
  const url = new URL(apiUrl);
  const prefix = url.pathname.replace(/\/$/, '');
  const inner = Stripe.createNodeHttpClient();
  return {
    ...options,
    host: url.hostname,
    port: url.port || (url.protocol === 'https:' ? 443 : 80),
    protocol: url.protocol.replace(':', '') as 'http' | 'https',
    ...(prefix
      ? {
          httpClient: Object.assign(Object.create(inner), {
            makeRequest: (host: string, port: string, path: string, ...rest: [string, Record<string, string>, string, string, number]) =>
              inner.makeRequest(host, port, `${prefix}${path}`, ...(rest as [never, never, never, never, never])),
          }),
        }
      : {}),
  };
}

/** The Stripe client; 503 SERVICE_UNAVAILABLE when this deployment has no Stripe key. */
export function getStripe(): Promise<Stripe> {
  stripePromise ??= (async () => {
    const config = getConfig();
    const key = config.STRIPE_SECRET_KEY ?? (config.STRIPE_SECRET_KEY_ARN ? await secretValue(config.STRIPE_SECRET_KEY_ARN, 'The Stripe secret key') : undefined);
    if (!key) throw new AppError('SERVICE_UNAVAILABLE', 'Payments are not configured on this deployment (no Stripe secret key)');
    const stripe = new Stripe(key, stripeOptionsFor(config.STRIPE_API_URL));
    // Each Stripe API call as an X-Ray subsegment (sampled invocations only), from the SDK's own timing.
    stripe.on('response', (r: Stripe.ResponseEvent) => recordRemoteCall('Stripe', `${r.method} ${r.path}`, r.request_start_time, r.request_end_time, r.status, r.request_id));
    return stripe;
  })().catch((err) => {
    stripePromise = undefined;
    throw err;
  });
  return stripePromise;
}

/** The webhook endpoint's signing secret (`whsec_...`). */
export function getWebhookSecret(): Promise<string> {
  webhookSecretPromise ??= (async () => {
    const config = getConfig();
    const secret = config.STRIPE_WEBHOOK_SECRET ?? (config.STRIPE_WEBHOOK_SECRET_ARN ? await secretValue(config.STRIPE_WEBHOOK_SECRET_ARN, 'The Stripe webhook signing secret') : undefined);
    if (!secret) throw new AppError('SERVICE_UNAVAILABLE', 'The Stripe webhook is not configured on this deployment (no signing secret)');
    return secret;
  })().catch((err) => {
    webhookSecretPromise = undefined;
    throw err;
  });
  return webhookSecretPromise;
}

/** For tests and the local stack, which change the environment between runs in one process. */
export function resetStripeForTests(): void {
  stripePromise = undefined;
  webhookSecretPromise = undefined;
}

/** A PaymentIntent the student can still confirm (pay) as it is. */
export const CONFIRMABLE_STATUSES: Stripe.PaymentIntent.Status[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

export type { Stripe };
