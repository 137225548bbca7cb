// The Stripe webhook: one handler, reached at this function's URL (the endpoint registered with Stripe, the
// StripeWebhookUrl output) and at the spec's POST /webhook/stripe on the HTTP API. No JSON parsing, no bearer
// auth and no rate limit before it: the signature is checked first, on the raw body (tolerance 300 s).
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import Stripe from 'stripe';
import { webhookRoutes } from '#shared/contract/billing.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { getDb } from '#shared/db/client.ts';
import type { Logger } from '#shared/log.ts';
import { notify } from '#shared/notify/notify.ts';
import { defaultNotifyDeps } from '#shared/notify/deps.ts';
import { listActiveAdminIds } from '#shared/db/entities/user.ts';
import { getStripe, getWebhookSecret } from '#shared/payments/stripe.ts';
import { AppError, validationError } from '#shared/errors.ts';
import { DomainMetric } from '#shared/observability/metric-names.ts';
import { applyStripeEvent, type EventOutcome } from './stripe-events.ts';

/** Stripe's default: a signature older than 5 minutes is refused (replays). */
const SIGNATURE_TOLERANCE_SECONDS = 300;

async function verify(rawBody: string, signature: string | undefined): Promise<Stripe.Event> {
  if (!signature) throw validationError('stripe-signature', 'header is required', 'Missing Stripe-Signature header');
  const secret = await getWebhookSecret();
  try {
    return Stripe.webhooks.constructEvent(rawBody, signature, secret, SIGNATURE_TOLERANCE_SECONDS) as Stripe.Event;
  } catch (err) {
    throw validationError('stripe-signature', (err as Error).message.split('\n')[0], 'Invalid Stripe signature: the event was not accepted');
  }
}


/** After the commit: refund a payment that cannot pay its bill, then tell people. Failures are logged, never undo. */
async function followUp(outcome: EventOutcome, log: Logger): Promise<void> {
  if (outcome.refundIntentId) {
    try {
      const stripe = await getStripe();
      await stripe.refunds.create({ payment_intent: outcome.refundIntentId, reason: 'requested_by_customer' }, { idempotencyKey: `refund-${outcome.refundIntentId}` });
    } catch (err) {
      log.error('automatic refund failed: refund it in the Stripe dashboard', { error: err, paymentIntentId: outcome.refundIntentId });
    }
  }
  const notices = [...outcome.notices];
  if (outcome.adminNotice) notices.push(...(await listActiveAdminIds(getDb())).map((userId) => ({ ...outcome.adminNotice!, userId })));
  const deps = defaultNotifyDeps(log);
  const failed = (await Promise.allSettled(notices.map((n) => notify(deps, n)))).filter((r) => r.status === 'rejected');
  if (failed.length) log.error(`${failed.length} payment notices failed`, { error: (failed[0] as PromiseRejectedResult).reason });
}

const http = createHttpHandler(webhookRoutes, {
  stripeWebhook: async ({ rawBody, request, log, metrics }) => {
    const event = await verify(rawBody, request.headers['stripe-signature']).catch((err: unknown) => {
      if (err instanceof AppError) metrics.count(DomainMetric.webhookSignatureFailures);
      throw err;
    });
    const eventLog = log.child({ stripeEventId: event.id, stripeEventType: event.type });
    try {
      const outcome = await applyStripeEvent(getDb(), event, request.now, eventLog);
      if (!outcome.duplicate) await followUp(outcome, eventLog);
      return { received: true as const, ...(outcome.duplicate ? { duplicate: true } : {}) };
    } catch (err) {
      // Answered with a 5xx: Stripe retries it (for up to 3 days), so a run of these is worth an alarm.
      if (!(err instanceof AppError) || err.status >= 500) metrics.count(DomainMetric.webhookFailures);
      throw err;
    }
  },
});

/** A Function URL request has route key `$default`: it is the webhook route. */
export const handler = (event: APIGatewayProxyEventV2, context: Context) =>
  http(event.routeKey === '$default' && event.requestContext?.http?.method === 'POST' ? { ...event, routeKey: 'POST /webhook/stripe' } : event, context);
