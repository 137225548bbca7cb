// Applies one verified Stripe event, exactly once: the event's sentinel is written in the same transaction as
// the payment and bill changes and the revenue counters, so a retry, a duplicate or a concurrent delivery of
// the same event fails on the sentinel and changes nothing. Each change is conditional on the state it was
// decided from; a lost race re-reads and decides again. Out-of-order events never undo: a failure or a cancel
// does not touch a succeeded payment, and refunds only grow.
import type { Db } from '#shared/db/client.ts';
import type { Logger } from '#shared/log.ts';
import { cancellationReasons } from '#shared/db/errors.ts';
import { transact, type TransactItems } from '#shared/db/transact.ts';
import {
  billIndexKeys,
  billKeys,
  getBill,
  getPaymentByIntent,
  paymentIndexKeys,
  paymentKeys,
  revenueShardOf,
  REVENUE_SHARDS,
  revenueUpdates,
  stripeEventApplied,
  stripeEventPut,
  type Bill,
  type Payment,
  type PaymentProblem,
} from '#shared/db/entities/bill.ts';
import type { NotifyInput } from '#shared/notify/notify.ts';
import { currentMetrics } from '#shared/observability/metrics.ts';
import { DomainMetric } from '#shared/observability/metric-names.ts';
import type { Stripe } from '#shared/payments/stripe.ts';

export const HANDLED_EVENT_TYPES = ['payment_intent.succeeded', 'payment_intent.payment_failed', 'payment_intent.canceled', 'charge.refunded'] as const;

export interface EventOutcome {
  duplicate: boolean;
  /** Notices to send after the commit: to the student, and `toAdmins` to every active admin. */
  notices: NotifyInput[];
  adminNotice?: Omit<NotifyInput, 'userId'>;
  /** A succeeded payment that must go back (its bill was cancelled or already paid). */
  refundIntentId?: string;
}

const none = (): EventOutcome => ({ duplicate: false, notices: [] });

/** `SET a = :a, ...` over `fields` plus optional REMOVEs, for one Update item. */
function update(tableName: string, key: Record<string, string>, fields: Record<string, unknown>, condition: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> }, remove: string[] = []) {
  const names: Record<string, string> = { ...(condition.names ?? {}) };
  const values: Record<string, unknown> = { ...(condition.values ?? {}) };
  const sets = Object.entries(fields).map(([k, v], i) => {
    names[`#s${i}`] = k;
    values[`:s${i}`] = v;
    return `#s${i} = :s${i}`;
  });
  const removes = remove.map((k, i) => {
    names[`#x${i}`] = k;
    return `#x${i}`;
  });
  return {
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: condition.expression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

const paymentMove = (p: Payment, status: Payment['status']) => {
  const keys = paymentIndexKeys({ ...p, status });
  return { status, gsi2pk: keys.gsi2pk, gsi3pk: keys.gsi3pk };
};
const billMove = (b: Bill, status: Bill['status']) => {
  const keys = billIndexKeys({ ...b, status });
  return { status, gsi2pk: keys.gsi2pk, gsi3pk: keys.gsi3pk };
};
const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency.toUpperCase()}`;

interface Decision {
  items: TransactItems;
  outcome: EventOutcome;
}

function decideSucceeded(db: Db, event: Stripe.Event, intent: Stripe.PaymentIntent, payment: Payment, bill: Bill, now: Date, log: Logger): Decision {
  const at = now.toISOString();
  const outcome = none();
  if (payment.status === 'succeeded') return { items: [], outcome };
  const mismatch = intent.amount !== bill.totalCents || intent.currency !== bill.currency || intent.amount !== payment.amountCents;
  const problem: PaymentProblem | undefined = mismatch ? 'amount_mismatch' : bill.status === 'cancelled' ? 'bill_cancelled' : bill.status === 'paid' ? 'bill_already_paid' : undefined;
  const shard = payment.revenueShard ?? revenueShardOf(payment.id);
  const items: TransactItems = [
    update(
      db.tableName,
      paymentKeys.payment(payment.id),
      { ...paymentMove(payment, 'succeeded'), succeededAt: at, updatedAt: at, ...(problem ? { problem } : { revenueCounted: true, revenueShard: shard }) },
      { expression: '#status = :was', names: { '#status': 'status' }, values: { ':was': payment.status } },
    ),
  ];
  if (problem) {
    if (problem === 'amount_mismatch') {
      log.error('Stripe payment does not match its bill: recorded, bill left unpaid', {
        eventId: event.id,
        paymentIntentId: intent.id,
        billId: bill.id,
        received: money(intent.amount, intent.currency),
        billed: money(bill.totalCents, bill.currency),
      });
    } else {
      log.warn('payment succeeded for a bill that is no longer payable: refunding it', { billId: bill.id, billStatus: bill.status, paymentIntentId: intent.id });
      outcome.refundIntentId = intent.id;
    }
    return { items, outcome };
  }
  // Stripe does not order its events: a charge.refunded may have been applied before this success. It was
  // recorded on the payment but could not touch revenue yet (nothing was counted); it is taken off now, on the
  // refund's own date and on another shard (one transaction may not update an item twice), and the bill shows it.
  const refundedFirst = payment.refundedCents ?? 0;
  const fullyRefunded = refundedFirst > 0 && refundedFirst >= intent.amount;
  items.push(
    update(
      db.tableName,
      billKeys.bill(bill.id),
      {
        ...billMove(bill, fullyRefunded ? 'cancelled' : 'paid'),
        paidAt: at,
        paidPaymentId: payment.id,
        paymentIntentId: intent.id,
        ...(refundedFirst ? { refundedCents: refundedFirst, refundedAt: payment.refundedAt ?? at } : {}),
        ...(fullyRefunded ? { cancelledAt: at } : {}),
        version: bill.version + 1,
        updatedAt: at,
      },
      { expression: '#status IN (:pending, :overdue)', names: { '#status': 'status' }, values: { ':pending': 'pending', ':overdue': 'overdue' } },
    ),
    ...revenueUpdates(db.tableName, now, shard, bill.currency, { cents: intent.amount, payments: 1, refundedCents: 0 }),
    ...(refundedFirst
      ? revenueUpdates(db.tableName, new Date(payment.refundedAt ?? at), (shard + 1) % REVENUE_SHARDS, bill.currency, { cents: -refundedFirst, payments: 0, refundedCents: refundedFirst })
      : []),
  );
  outcome.notices.push({
    userId: bill.studentId,
    type: 'payment_received',
    title: 'Payment received',
    message: `We received your payment of ${money(intent.amount, intent.currency)} for "${bill.description}". Thank you!`,
    data: { billId: bill.id, paymentId: payment.id, amount: intent.amount / 100, currency: bill.currency },
    link: `/bills/${bill.id}`,
  });
  outcome.adminNotice = {
    type: 'payment_received',
    title: 'Bill paid',
    message: `The bill "${bill.description}" (${money(intent.amount, intent.currency)}) was paid.`,
    data: { billId: bill.id, paymentId: payment.id, studentId: bill.studentId },
    link: `/admin/bills/${bill.id}`,
  };
  return { items, outcome };
}

function decideFailed(db: Db, intent: Stripe.PaymentIntent, payment: Payment, bill: Bill, now: Date, cancelled: boolean): Decision {
  const at = now.toISOString();
  // A failure or a cancel after the success (out of order) changes nothing.
  if (payment.status === 'succeeded') return { items: [], outcome: none() };
  const items: TransactItems = [];
  if (payment.status !== 'failed' || cancelled) {
    items.push(
      update(
        db.tableName,
        paymentKeys.payment(payment.id),
        {
          ...paymentMove(payment, 'failed'),
          failedAt: at,
          updatedAt: at,
          ...(cancelled ? { cancelled: true } : {}),
          ...(!cancelled && intent.last_payment_error?.message ? { failureMessage: intent.last_payment_error.message } : {}),
          ...(cancelled && !payment.failureMessage ? { failureMessage: 'The payment was cancelled' } : {}),
        },
        { expression: '#status = :was', names: { '#status': 'status' }, values: { ':was': payment.status } },
      ),
    );
  }
  // A cancelled intent is no longer the bill's open one: the next payment-intent call makes a new one.
  if (cancelled && bill.paymentIntentId === intent.id && (bill.status === 'pending' || bill.status === 'overdue')) {
    items.push(
      update(db.tableName, billKeys.bill(bill.id), { version: bill.version + 1, updatedAt: at }, { expression: 'paymentIntentId = :pi', values: { ':pi': intent.id } }, ['paymentIntentId']),
    );
  }
  return { items, outcome: none() };
}

function decideRefunded(db: Db, charge: Stripe.Charge, payment: Payment, bill: Bill, now: Date): Decision {
  const at = now.toISOString();
  const refunded = charge.amount_refunded;
  const previous = payment.refundedCents ?? 0;
  // Refund totals only grow: an older charge.refunded arriving late changes nothing.
  if (refunded <= previous) return { items: [], outcome: none() };
  const delta = refunded - previous;
  const items: TransactItems = [
    update(
      db.tableName,
      paymentKeys.payment(payment.id),
      { refundedCents: refunded, refundedAt: at, updatedAt: at },
      previous ? { expression: 'refundedCents = :prev', values: { ':prev': previous } } : { expression: 'attribute_not_exists(refundedCents)' },
    ),
  ];
  if (payment.revenueCounted) {
    items.push(...revenueUpdates(db.tableName, now, payment.revenueShard ?? revenueShardOf(payment.id), payment.currency, { cents: -delta, payments: 0, refundedCents: delta }));
  }
  const outcome = none();
  if (bill.paidPaymentId === payment.id) {
    const full = refunded >= payment.amountCents;
    items.push(
      update(
        db.tableName,
        billKeys.bill(bill.id),
        { refundedCents: refunded, refundedAt: at, version: bill.version + 1, updatedAt: at, ...(full ? { ...billMove(bill, 'cancelled'), cancelledAt: at } : {}) },
        { expression: 'paidPaymentId = :pay', values: { ':pay': payment.id } },
      ),
    );
    outcome.notices.push({
      userId: bill.studentId,
      type: 'payment_received',
      title: full ? 'Payment refunded' : 'Partial refund',
      message: `${money(delta, payment.currency)} of your payment for "${bill.description}" was refunded.${full ? ' The bill is cancelled.' : ''}`,
      data: { billId: bill.id, paymentId: payment.id, refundedAmount: refunded / 100 },
      link: `/bills/${bill.id}`,
    });
  }
  return { items, outcome };
}

function intentIdOf(event: Stripe.Event): string | undefined {
  const object = event.data.object as { object?: string; id?: string; payment_intent?: string | { id: string } | null };
  if (object.object === 'payment_intent') return object.id;
  if (object.object === 'charge') return typeof object.payment_intent === 'string' ? object.payment_intent : object.payment_intent?.id;
  return undefined;
}

/** Applies `event` once. Types this API does not act on are answered without a write. */
const paymentMetrics: Partial<Record<string, string>> = {
  'payment_intent.succeeded': DomainMetric.paymentsSucceeded,
  'payment_intent.payment_failed': DomainMetric.paymentsFailed,
};

export async function applyStripeEvent(db: Db, event: Stripe.Event, now: Date, log: Logger): Promise<EventOutcome> {
  if (!(HANDLED_EVENT_TYPES as readonly string[]).includes(event.type)) return none();
  for (let attempt = 0; ; attempt++) {
    if (await stripeEventApplied(db, event.id)) return { ...none(), duplicate: true };
    const intentId = intentIdOf(event);
    const payment = intentId ? await getPaymentByIntent(db, intentId) : undefined;
    const bill = payment ? await getBill(db, payment.billId) : undefined;
    let decision: Decision;
    if (!payment || !bill) {
      // An intent this API did not make (another integration on the same account): recorded, nothing else.
      log.warn('Stripe event for an unknown PaymentIntent', { eventId: event.id, type: event.type, paymentIntentId: intentId });
      decision = { items: [], outcome: none() };
    } else if (event.type === 'payment_intent.succeeded') {
      decision = decideSucceeded(db, event, event.data.object as Stripe.PaymentIntent, payment, bill, now, log);
    } else if (event.type === 'payment_intent.payment_failed' || event.type === 'payment_intent.canceled') {
      decision = decideFailed(db, event.data.object as Stripe.PaymentIntent, payment, bill, now, event.type === 'payment_intent.canceled');
    } else {
      decision = decideRefunded(db, event.data.object as Stripe.Charge, payment, bill, now);
    }
    try {
      await transact(db, [stripeEventPut(db.tableName, event, now), ...decision.items]);
      const metric = paymentMetrics[event.type];
      if (metric && decision.items.length) currentMetrics().count(metric); // the payment moved, not a replay of a move
      return decision.outcome;
    } catch (err) {
      const reasons = cancellationReasons(err);
      if (reasons?.[0] === 'ConditionalCheckFailed') return { ...none(), duplicate: true };
      // The payment or bill moved since it was read (another event, an edit): decide again on what is there.
      if (!reasons?.includes('ConditionalCheckFailed') || attempt >= 4) throw err;
    }
  }
}
