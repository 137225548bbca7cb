// A Stripe API emulator on the local gateway at /_stripe, in Stripe's wire format (form-encoded requests,
// Stripe's JSON objects and error shape, Idempotency-Key honoured), for `npm start` and the tests when no
// STRIPE_SECRET_KEY is set. It implements what this backend and a paying browser use: create, retrieve,
// confirm and cancel PaymentIntents, and create refunds. Test payment methods as Stripe's: `pm_card_visa`
// succeeds, `pm_card_chargeDeclined` fails with a `last_payment_error`; `pm_emulator_processing` (emulator
// only) leaves the intent `processing` until `POST /_stripe/_emulator/payment_intents/{id}/settle` with
// `outcome=succeeded|failed`. Every state change is delivered as a signed event (Stripe-Signature made with
// the webhook secret) to the webhook URL, retried with backoff on failure like Stripe does. State is kept in
// <stateDir>/stripe.json.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import type { GatewayExtension } from './gateway.ts';

export const STRIPE_EMULATOR_PATH = '/_stripe';
const API_VERSION = Stripe.API_VERSION;

type Obj = Record<string, any>;

export interface StripeEmulatorOptions {
  stateDir: string;
  webhookUrl: string;
  webhookSecret: string;
  /** First retry delay of a failed delivery (doubles each time); default 1 s. */
  retryBaseMs?: number;
  /** Delivery attempts of one event; default 8 (Stripe keeps trying for 3 days). */
  maxAttempts?: number;
  log?: (line: string, err?: unknown) => void;
}

export interface StripeEmulator extends GatewayExtension {
  /** Resolves when every delivery in flight has finished (succeeded or given up). */
  idle(): Promise<void>;
  events(): Obj[];
}

class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly body: Obj,
  ) {
    super(body.message);
  }
}

const invalid = (message: string, param?: string, code?: string) =>
  new StripeError(400, { type: 'invalid_request_error', message, ...(param ? { param } : {}), ...(code ? { code } : {}) });

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Stripe's form encoding: `metadata[billId]=x&expand[]=y` into nested objects and arrays. */
export function parseStripeForm(body: string): Obj {
  const out: Obj = {};
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const path = rawKey.replace(/\]/g, '').split('[');
    let node = out;
    path.forEach((part, i) => {
      const last = i === path.length - 1;
      if (last) {
        if (part === '') (node as unknown as unknown[]).push(value);
        else node[part] = value;
      } else {
        node[part] ??= path[i + 1] === '' ? [] : {};
        node = node[part];
      }
    });
  }
  return out;
}

interface State {
  intents: Record<string, Obj>;
  charges: Record<string, Obj>;
  refunds: Record<string, Obj>;
  events: Obj[];
  idempotency: Record<string, { fingerprint: string; status: number; body: Obj }>;
}

const CONFIRMABLE = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

export function createStripeEmulator(options: StripeEmulatorOptions): StripeEmulator {
  const file = join(options.stateDir, 'stripe.json');
  const log = options.log ?? ((line, err) => console.error(`[stripe] ${line}`, err ?? ''));
  const state: State = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { intents: {}, charges: {}, refunds: {}, events: [], idempotency: {} };
  const save = () => {
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, file);
  };
  const deliveries = new Set<Promise<void>>();
  let closed = false;

  async function deliver(event: Obj): Promise<void> {
    const payload = JSON.stringify(event, null, 2);
    const maxAttempts = options.maxAttempts ?? 8;
    for (let attempt = 1; attempt <= maxAttempts && !closed; attempt++) {
      try {
        const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: options.webhookSecret });
        const res = await fetch(options.webhookUrl, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json; charset=utf-8', 'Stripe-Signature': header, 'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' },
          body: payload,
        });
        await res.text();
        if (res.ok) return;
        log(`event ${event.id} (${event.type}) answered ${res.status}; retrying`);
      } catch (err) {
        if (closed) return;
        log(`event ${event.id} (${event.type}) could not be delivered; retrying`, err);
      }
      await new Promise((r) => setTimeout(r, (options.retryBaseMs ?? 1000) * 2 ** (attempt - 1)));
    }
    log(`event ${event.id} (${event.type}) given up after ${maxAttempts} attempts`);
  }

  function emit(type: string, object: Obj, request?: { idempotencyKey?: string }): void {
    const event = {
      id: id('evt'),
      object: 'event',
      api_version: API_VERSION,
      created: nowSeconds(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: id('req'), idempotency_key: request?.idempotencyKey ?? null },
      type,
    };
    state.events.push(event);
    const job = deliver(event).finally(() => deliveries.delete(job));
    deliveries.add(job);
  }

  const intent = (piId: string) => {
    const pi = state.intents[piId];
    if (!pi) throw new StripeError(404, { type: 'invalid_request_error', code: 'resource_missing', param: 'intent', message: `No such payment_intent: '${piId}'` });
    return pi;
  };

  function createIntent(p: Obj): Obj {
    const amount = Number(p.amount);
    if (!p.amount || !Number.isInteger(amount)) throw invalid('Missing required param: amount.', 'amount', 'parameter_missing');
    if (!p.currency) throw invalid('Missing required param: currency.', 'currency', 'parameter_missing');
    if (amount < 50) throw invalid('Amount must be at least $0.50 usd', 'amount', 'amount_too_small');
    if (amount > 99_999_999) throw invalid('Amount must be no more than $999,999.99', 'amount', 'amount_too_large');
    const piId = id('pi');
    const pi: Obj = {
      id: piId,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: 'automatic',
      client_secret: `${piId}_secret_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`,
      confirmation_method: 'automatic',
      created: nowSeconds(),
      currency: String(p.currency).toLowerCase(),
      description: p.description ?? null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: p.metadata ?? {},
      payment_method: null,
      payment_method_types: ['card'],
      receipt_email: p.receipt_email ?? null,
      status: 'requires_payment_method',
    };
    state.intents[piId] = pi;
    return pi;
  }

  function succeed(pi: Obj, key?: string): void {
    const charge: Obj = {
      id: id('ch'),
      object: 'charge',
      amount: pi.amount,
      amount_captured: pi.amount,
      amount_refunded: 0,
      captured: true,
      created: nowSeconds(),
      currency: pi.currency,
      livemode: false,
      metadata: pi.metadata,
      paid: true,
      payment_intent: pi.id,
      payment_method: pi.payment_method,
      receipt_email: pi.receipt_email,
      refunded: false,
      status: 'succeeded',
    };
    state.charges[charge.id] = charge;
    Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, latest_charge: charge.id, last_payment_error: null });
    emit('charge.succeeded', charge, { idempotencyKey: key });
    emit('payment_intent.succeeded', pi, { idempotencyKey: key });
  }

  function decline(pi: Obj, key?: string): StripeError {
    const error = {
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
      payment_method: { id: pi.payment_method, object: 'payment_method', type: 'card' },
    };
    Object.assign(pi, { status: 'requires_payment_method', last_payment_error: error });
    emit('payment_intent.payment_failed', pi, { idempotencyKey: key });
    return new StripeError(402, { ...error, payment_intent: structuredClone(pi) });
  }

  function confirm(pi: Obj, p: Obj, key?: string): Obj {
    if (!CONFIRMABLE.includes(pi.status)) {
      throw invalid(`This PaymentIntent's status is ${pi.status}; it cannot be confirmed.`, undefined, 'payment_intent_unexpected_state');
    }
    const method = p.payment_method ?? pi.payment_method;
    if (!method) throw invalid('You cannot confirm this PaymentIntent because it is missing a payment method.', 'payment_method', 'payment_intent_unexpected_state');
    pi.payment_method = method;
    switch (method) {
      case 'pm_card_visa':
        succeed(pi, key);
        return pi;
      case 'pm_card_chargeDeclined':
        throw decline(pi, key);
      case 'pm_emulator_processing':
        pi.status = 'processing';
        emit('payment_intent.processing', pi, { idempotencyKey: key });
        return pi;
      default:
        throw invalid(`No such PaymentMethod: '${method}'`, 'payment_method', 'resource_missing');
    }
  }

  function cancel(pi: Obj, p: Obj, key?: string): Obj {
    if (!CONFIRMABLE.includes(pi.status)) {
      throw invalid(`You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`, undefined, 'payment_intent_unexpected_state');
    }
    Object.assign(pi, { status: 'canceled', canceled_at: nowSeconds(), cancellation_reason: p.cancellation_reason ?? null });
    emit('payment_intent.canceled', pi, { idempotencyKey: key });
    return pi;
  }

  function refund(p: Obj, key?: string): Obj {
    const pi = p.payment_intent ? intent(p.payment_intent) : undefined;
    const chargeId = p.charge ?? pi?.latest_charge;
    const charge = chargeId ? state.charges[chargeId] : undefined;
    if (!charge) throw invalid(pi ? `This PaymentIntent (${pi.id}) does not have a successful charge to refund.` : 'Missing required param: charge or payment_intent.', 'payment_intent', 'charge_not_refundable');
    const remaining = charge.amount - charge.amount_refunded;
    const amount = p.amount === undefined ? remaining : Number(p.amount);
    if (remaining === 0) throw invalid(`Charge ${charge.id} has already been refunded.`, undefined, 'charge_already_refunded');
    if (!Number.isInteger(amount) || amount <= 0 || amount > remaining) throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, 'amount');
    const re: Obj = {
      id: id('re'),
      object: 'refund',
      amount,
      charge: charge.id,
      created: nowSeconds(),
      currency: charge.currency,
      metadata: p.metadata ?? {},
      payment_intent: charge.payment_intent,
      reason: p.reason ?? null,
      status: 'succeeded',
    };
    state.refunds[re.id] = re;
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    emit('refund.created', re, { idempotencyKey: key });
    emit('charge.refunded', charge, { idempotencyKey: key });
    return re;
  }

  /** Routes under /_stripe; returns [status, body]. */
  function route(method: string, path: string, p: Obj, key?: string): Obj {
    let m: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/payment_intents') return createIntent(p);
    if ((m = /^\/v1\/payment_intents\/([^/]+)$/.exec(path)) && method === 'GET') return intent(m[1]);
    if ((m = /^\/v1\/payment_intents\/([^/]+)\/confirm$/.exec(path)) && method === 'POST') return confirm(intent(m[1]), p, key);
    if ((m = /^\/v1\/payment_intents\/([^/]+)\/cancel$/.exec(path)) && method === 'POST') return cancel(intent(m[1]), p, key);
    if (method === 'POST' && path === '/v1/refunds') return refund(p, key);
    if ((m = /^\/v1\/refunds\/([^/]+)$/.exec(path)) && method === 'GET') {
      const re = state.refunds[m[1]];
      if (!re) throw new StripeError(404, { type: 'invalid_request_error', code: 'resource_missing', message: `No such refund: '${m[1]}'` });
      return re;
    }
    if ((m = /^\/_emulator\/payment_intents\/([^/]+)\/settle$/.exec(path)) && method === 'POST') {
      const pi = intent(m[1]);
      if (pi.status !== 'processing') throw invalid(`This PaymentIntent's status is ${pi.status}, not processing.`, undefined, 'payment_intent_unexpected_state');
      if (p.outcome === 'failed') decline(pi);
      else succeed(pi);
      return pi;
    }
    throw new StripeError(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}). The local Stripe emulator implements PaymentIntents (create, retrieve, confirm, cancel) and refunds.` });
  }

  const respond = (res: ServerResponse, status: number, body: Obj) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Request-Id': id('req'), 'Stripe-Version': API_VERSION });
    res.end(JSON.stringify(body, null, 2));
  };

  return {
    idle: async () => {
      while (deliveries.size) await Promise.allSettled([...deliveries]);
    },
    events: () => state.events,
    async handleRequest(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== STRIPE_EMULATOR_PATH && !url.pathname.startsWith(`${STRIPE_EMULATOR_PATH}/`)) return false;
      const path = url.pathname.slice(STRIPE_EMULATOR_PATH.length);
      const method = req.method ?? 'GET';
      const auth = req.headers.authorization ?? '';
      const key = auth.startsWith('Bearer ') ? auth.slice(7) : auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(':')[0] : '';
      if (!/^sk_test_\w+/.test(key)) {
        respond(res, 401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided: the local Stripe emulator takes any sk_test_... key' } });
        return true;
      }
      const params = { ...parseStripeForm(url.search.slice(1)), ...parseStripeForm(body.toString('utf8')) };
      const idempotencyKey = method === 'POST' ? (req.headers['idempotency-key'] as string | undefined) : undefined;
      const fingerprint = `${method} ${path} ${body.toString('utf8')}`;
      if (idempotencyKey) {
        const seen = state.idempotency[idempotencyKey];
        if (seen && seen.fingerprint !== fingerprint) {
          respond(res, 400, {
            error: { type: 'idempotency_error', message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.` },
          });
          return true;
        }
        if (seen) {
          res.setHeader('Idempotent-Replayed', 'true');
          respond(res, seen.status, seen.body);
          return true;
        }
      }
      let status = 200;
      let out: Obj;
      try {
        out = route(method, path, params, idempotencyKey);
      } catch (err) {
        if (!(err instanceof StripeError)) throw err;
        status = err.status;
        out = { error: err.body };
      }
      // Stripe replays the first result of a key, errors included (but not 5xx or a 404 of the URL itself).
      if (idempotencyKey && status !== 404) state.idempotency[idempotencyKey] = { fingerprint, status, body: out };
      save();
      respond(res, status, out);
      return true;
    },
    async close() {
      closed = true;
      await Promise.allSettled([...deliveries]);
    },
  };
}
