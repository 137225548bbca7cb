// Bills, payments (one per Stripe PaymentIntent), the PaymentIntent -> payment pointer, the processed Stripe
// event sentinel and the revenue counters. Keys and costs: docs/data-model.md, "Billing and payments".
//
//   BILL#<id> / BILL                      the bill; gsi1 BILLS#STUDENT#<studentId>, gsi2 BILLS#STUDENT#<studentId>#<status>,
//                                         gsi3 BILLS#ALL#<status>, each sorted by <createdAt>#<id>
//   BILLS#ALL / <createdAt>#<id>          the admins' unfiltered list (one immutable entry per bill)
//   PAY#<id> / PAY                        a payment; gsi1 PAYS#STUDENT#<studentId>, gsi2 PAYS#STUDENT#<studentId>#<status>,
//                                         gsi3 PAYS#ALL#<status>, each sorted by <createdAt>#<id>
//   PAYS#ALL / <createdAt>#<id>           the admins' unfiltered payment history
//   STRIPEPI#<paymentIntentId> / PI       which payment (and bill) a PaymentIntent is
//   STRIPEEVENT#<eventId> / EVENT         a Stripe event already applied (written with its effects), TTL 30 days
//   STATS#REVENUE / TOTAL#<s>, DAY#<YYYY-MM-DD>#<s>, MONTH#<YYYY-MM>#<s>
//                                         revenue counters in REVENUE_SHARDS shards <s> (sum them: readRevenue)
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';
import type { TransactItems } from '../transact.ts';

export const BILL_STATUSES = ['pending', 'paid', 'overdue', 'cancelled'] as const;
export type BillStatus = (typeof BILL_STATUSES)[number];
/** The spec's payment statuses; a cancelled PaymentIntent shows as `failed`. */
export const PAYMENT_STATUSES = ['succeeded', 'failed', 'pending'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Currencies a bill may be in, with Stripe's minimum charge amount in cents (all two-decimal currencies). */
export const CURRENCY_MINIMUM_CENTS = { usd: 50, eur: 50, gbp: 30, cad: 50, aud: 50 } as const;
export type Currency = keyof typeof CURRENCY_MINIMUM_CENTS;
export const CURRENCIES = Object.keys(CURRENCY_MINIMUM_CENTS) as Currency[];
/** Stripe's largest amount for these currencies: 999,999.99. */
export const MAX_AMOUNT_CENTS = 99_999_999;

export interface BillItem {
  description: string;
  amountCents: number;
}

export interface Bill {
  id: string;
  studentId: string;
  taskId: string;
  description: string;
  items: BillItem[];
  totalCents: number;
  currency: Currency;
  status: BillStatus;
  dueDate: string;
  notes?: string;
  /** Bumped by every change, including setting or clearing the open PaymentIntent (part of its idempotency key). */
  version: number;
  /** The open PaymentIntent the student is paying with, until it is cancelled or replaced. */
  paymentIntentId?: string;
  paidAt?: string;
  paidPaymentId?: string;
  cancelledAt?: string;
  refundedCents?: number;
  refundedAt?: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export type PaymentProblem = 'amount_mismatch' | 'bill_cancelled' | 'bill_already_paid';

export interface Payment {
  id: string;
  billId: string;
  studentId: string;
  paymentIntentId: string;
  amountCents: number;
  currency: Currency;
  status: PaymentStatus;
  /** The PaymentIntent was cancelled (shown as `failed`). */
  cancelled?: boolean;
  failureMessage?: string;
  succeededAt?: string;
  failedAt?: string;
  /** What kept a succeeded payment from paying its bill (recorded, logged, refunded where it must be). */
  problem?: PaymentProblem;
  /** Counted in the revenue counters (a payment that paid its bill); a refund takes away only from these. */
  revenueCounted?: boolean;
  /** The revenue shard this payment and its refunds write to. */
  revenueShard?: number;
  refundedCents?: number;
  refundedAt?: string;
  createdAt: string;
  updatedAt: string;
}

export const REVENUE_SHARDS = 4;

export const billKeys = {
  bill: (id: string) => ({ pk: `BILL#${id}`, sk: 'BILL' }),
  allEntry: (b: Pick<Bill, 'id' | 'createdAt'>) => ({ pk: 'BILLS#ALL', sk: `${b.createdAt}#${b.id}` }),
  allPartition: 'BILLS#ALL',
  byStudent: (studentId: string) => `BILLS#STUDENT#${studentId}`,
  byStudentStatus: (studentId: string, status: BillStatus) => `BILLS#STUDENT#${studentId}#${status}`,
  byStatus: (status: BillStatus) => `BILLS#ALL#${status}`,
  /** The bill's due-date schedule in the schedule group. */
  scheduleName: (id: string) => `bill-${id}`,
};

export const paymentKeys = {
  payment: (id: string) => ({ pk: `PAY#${id}`, sk: 'PAY' }),
  allEntry: (p: Pick<Payment, 'id' | 'createdAt'>) => ({ pk: 'PAYS#ALL', sk: `${p.createdAt}#${p.id}` }),
  allPartition: 'PAYS#ALL',
  byStudent: (studentId: string) => `PAYS#STUDENT#${studentId}`,
  byStudentStatus: (studentId: string, status: PaymentStatus) => `PAYS#STUDENT#${studentId}#${status}`,
  byStatus: (status: PaymentStatus) => `PAYS#ALL#${status}`,
  intent: (paymentIntentId: string) => ({ pk: `STRIPEPI#${paymentIntentId}`, sk: 'PI' }),
  event: (eventId: string) => ({ pk: `STRIPEEVENT#${eventId}`, sk: 'EVENT' }),
};

export const revenueKeys = {
  partition: 'STATS#REVENUE',
  total: (shard: number) => ({ pk: 'STATS#REVENUE', sk: `TOTAL#${shard}` }),
  day: (day: string, shard: number) => ({ pk: 'STATS#REVENUE', sk: `DAY#${day}#${shard}` }),
  month: (month: string, shard: number) => ({ pk: 'STATS#REVENUE', sk: `MONTH#${month}#${shard}` }),
};

/** The gsi keys of a bill: they follow its student and status. */
export function billIndexKeys(b: Pick<Bill, 'id' | 'studentId' | 'status' | 'createdAt'>) {
  const sort = `${b.createdAt}#${b.id}`;
  return {
    gsi1pk: billKeys.byStudent(b.studentId),
    gsi1sk: sort,
    gsi2pk: billKeys.byStudentStatus(b.studentId, b.status),
    gsi2sk: sort,
    gsi3pk: billKeys.byStatus(b.status),
    gsi3sk: sort,
  };
}

export function toBillItem(b: Bill): Record<string, unknown> {
  return { ...billKeys.bill(b.id), ...billIndexKeys(b), entity: 'bill', ...b };
}

export function fromBillItem(item: Record<string, unknown>): Bill {
  const { pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk, entity, ...bill } = item;
  void pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk, entity;
  return bill as unknown as Bill;
}

export function paymentIndexKeys(p: Pick<Payment, 'id' | 'studentId' | 'status' | 'createdAt'>) {
  const sort = `${p.createdAt}#${p.id}`;
  return {
    gsi1pk: paymentKeys.byStudent(p.studentId),
    gsi1sk: sort,
    gsi2pk: paymentKeys.byStudentStatus(p.studentId, p.status),
    gsi2sk: sort,
    gsi3pk: paymentKeys.byStatus(p.status),
    gsi3sk: sort,
  };
}

export function toPaymentItem(p: Payment): Record<string, unknown> {
  return { ...paymentKeys.payment(p.id), ...paymentIndexKeys(p), entity: 'payment', ...p };
}

export function fromPaymentItem(item: Record<string, unknown>): Payment {
  const { pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk, entity, ...payment } = item;
  void pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk, entity;
  return payment as unknown as Payment;
}

export async function getBill(db: Db, id: string): Promise<Bill | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: billKeys.bill(id), ConsistentRead: true }));
  return out.Item ? fromBillItem(out.Item) : undefined;
}

export async function getPayment(db: Db, id: string): Promise<Payment | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: paymentKeys.payment(id), ConsistentRead: true }));
  return out.Item ? fromPaymentItem(out.Item) : undefined;
}

/** The payment a PaymentIntent is, through its pointer. */
export async function getPaymentByIntent(db: Db, paymentIntentId: string): Promise<Payment | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: paymentKeys.intent(paymentIntentId), ConsistentRead: true }));
  return out.Item ? getPayment(db, out.Item.paymentId as string) : undefined;
}

export async function stripeEventApplied(db: Db, eventId: string): Promise<boolean> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: paymentKeys.event(eventId), ConsistentRead: true }));
  return Boolean(out.Item);
}

/** The sentinel of a Stripe event, for the transaction that applies it: a second delivery fails on it. */
export function stripeEventPut(tableName: string, event: { id: string; type: string }, now: Date): TransactItems[number] {
  return {
    Put: {
      TableName: tableName,
      Item: { ...paymentKeys.event(event.id), entity: 'stripe_event', type: event.type, appliedAt: now.toISOString(), expiresAt: Math.floor(now.getTime() / 1000) + 30 * 86_400 },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** A stable shard per payment, so its refunds land on the shard its revenue did. */
export function revenueShardOf(paymentId: string): number {
  let h = 0;
  for (const c of paymentId) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return h % REVENUE_SHARDS;
}

/**
 * Moves the revenue counters of `day` (and its month, and the total) on one shard: `cents` is added to
 * `<currency>_amountCents` (negative for a refund), `payments` to `<currency>_payments`, `refundedCents` to
 * `<currency>_refundedCents`. Three items in the caller's transaction.
 */
export function revenueUpdates(tableName: string, at: Date, shard: number, currency: Currency, change: { cents: number; payments: number; refundedCents: number }): TransactItems {
  const day = at.toISOString().slice(0, 10);
  const month = day.slice(0, 7);
  const update = (key: { pk: string; sk: string }, period: Record<string, string>) => ({
    Update: {
      TableName: tableName,
      Key: key,
      UpdateExpression: `ADD #amount :cents, #payments :payments, #refunded :refunded SET ${Object.keys(period).map((k) => `#${k} = :${k}`).join(', ')}`,
      ExpressionAttributeNames: {
        '#amount': `${currency}_amountCents`,
        '#payments': `${currency}_payments`,
        '#refunded': `${currency}_refundedCents`,
        ...Object.fromEntries(Object.keys(period).map((k) => [`#${k}`, k])),
      },
      ExpressionAttributeValues: {
        ':cents': change.cents,
        ':payments': change.payments,
        ':refunded': change.refundedCents,
        ...Object.fromEntries(Object.entries(period).map(([k, v]) => [`:${k}`, v])),
      },
    },
  });
  return [
    update(revenueKeys.total(shard), { entity: 'revenue' }),
    update(revenueKeys.day(day, shard), { date: day, entity: 'revenue' }),
    update(revenueKeys.month(month, shard), { month, entity: 'revenue' }),
  ];
}

export interface RevenueFigure {
  /** `YYYY-MM-DD`, `YYYY-MM` or `TOTAL`. */
  period: string;
  /** Per currency: net received cents (payments minus refunds), payments, refunded cents. */
  byCurrency: Partial<Record<Currency, { amountCents: number; payments: number; refundedCents: number }>>;
}

/**
 * The reader of the sharded revenue counters: one Query of `STATS#REVENUE` over `DAY#<from>..DAY#<to>~`
 * (or `MONTH#...`, or `TOTAL#`) returns every shard of every period in the range, summed here per period.
 * `from`/`to` are `YYYY-MM-DD` for days, `YYYY-MM` for months; the total takes neither.
 */
export async function readRevenue(db: Db, range: { granularity: 'day' | 'month'; from: string; to: string } | { granularity: 'total' }): Promise<RevenueFigure[]> {
  const [low, high] =
    range.granularity === 'total' ? ['TOTAL#', 'TOTAL#~'] : range.granularity === 'day' ? [`DAY#${range.from}`, `DAY#${range.to}~`] : [`MONTH#${range.from}`, `MONTH#${range.to}~`];
  const byPeriod = new Map<string, RevenueFigure>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
        ExpressionAttributeValues: { ':pk': revenueKeys.partition, ':low': low, ':high': high },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of out.Items ?? []) {
      const sk = item.sk as string;
      const period = sk.startsWith('TOTAL#') ? 'TOTAL' : sk.split('#')[1];
      const figure = byPeriod.get(period) ?? { period, byCurrency: {} };
      for (const [name, value] of Object.entries(item)) {
        const m = /^([a-z]{3})_(amountCents|payments|refundedCents)$/.exec(name);
        if (!m || typeof value !== 'number') continue;
        const currency = m[1] as Currency;
        const sums = (figure.byCurrency[currency] ??= { amountCents: 0, payments: 0, refundedCents: 0 });
        sums[m[2] as 'amountCents'] += value;
      }
      byPeriod.set(period, figure);
    }
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return [...byPeriod.values()].sort((a, b) => a.period.localeCompare(b.period));
}
