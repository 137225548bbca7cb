// Routes of the billing endpoint group (the spec's Billing & Payment: bills, the Stripe payment intent, the
// payment history) and of the webhook group (Stripe's events). Keys and costs: docs/data-model.md, "Billing
// and payments".
import * as z from 'zod';
import { DateFrom, DateTo, defineRoute, Id, IsoDateTime, PageQuery, refineDateRange, type RouteDef } from '../http/contract.ts';
import { BILL_STATUSES, CURRENCIES, MAX_AMOUNT_CENTS, PAYMENT_STATUSES } from '../db/entities/bill.ts';

export const BillStatus = z.enum(BILL_STATUSES);
export const PaymentStatus = z.enum(PAYMENT_STATUSES);

/** An amount in the spec's units (dollars: 200 or 199.99), positive, at most two decimals; parsed to integer cents. */
const AmountToCents = z
  .number({ error: 'must be a number in the currency unit, e.g. 199.99' })
  .positive('must be greater than 0')
  .max(MAX_AMOUNT_CENTS / 100, `must be at most ${MAX_AMOUNT_CENTS / 100}`)
  .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, 'must have at most two decimal places')
  .transform((n) => Math.round(n * 100));

/** `usd` or `USD`: one of the currencies bills are made in. */
const CurrencyCode = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(CURRENCIES, { error: `must be one of ${CURRENCIES.join(', ')}` }));

const text = (max: number) => z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

const BillItemBody = z.object({ description: text(200), amount: AmountToCents });
const Items = z.array(BillItemBody).min(1, 'must hold at least one item').max(50, 'must hold at most 50 items');
const DueDate = IsoDateTime.transform((s) => new Date(s).toISOString());

/**
 * The spec's create body, plus `currency` (default BILLING_DEFAULT_CURRENCY). The total is the server's sum of
 * the items: a `total` (or `amount`) in the body is ignored, as are other unknown fields.
 */
export const CreateBillBody = z.object({
  taskId: Id('task'),
  studentId: Id('user'),
  description: text(500),
  items: Items,
  dueDate: DueDate,
  notes: z.string().trim().max(2000, 'must be at most 2000 characters').optional(),
  currency: CurrencyCode.optional(),
});
export type CreateBillBody = z.infer<typeof CreateBillBody>;

/** The spec's update body: any of description, items, dueDate, notes (`null` or `""` clears the notes). */
export const UpdateBillBody = z
  .object({
    description: text(500).optional(),
    items: Items.optional(),
    dueDate: DueDate.optional(),
    notes: z.string().trim().max(2000, 'must be at most 2000 characters').nullable().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'must change at least one of description, items, dueDate, notes', path: [] });
export type UpdateBillBody = z.infer<typeof UpdateBillBody>;

export const ListBillsQuery = PageQuery.extend({
  status: BillStatus.optional(),
  /** Admins: one student's bills. */
  studentId: Id('user').optional(),
});

/** The spec's body; `customerEmail` is accepted and ignored: the receipt goes to the account's e-mail. */
export const PaymentIntentBody = z.object({
  currency: CurrencyCode,
  customerEmail: z.unknown().optional(),
});

export const PaymentHistoryQuery = PageQuery.extend({
  status: PaymentStatus.optional(),
  dateFrom: DateFrom.optional(),
  dateTo: DateTo.optional(),
}).superRefine(refineDateRange);

const Money = z.number();

export const BillView = z.object({
  id: Id('bill'),
  taskId: Id('task'),
  studentId: Id('user'),
  description: z.string(),
  items: z.array(z.object({ description: z.string(), amount: Money })),
  /** Sum of the items, in the currency unit. */
  total: Money,
  currency: z.enum(CURRENCIES),
  status: BillStatus,
  dueDate: IsoDateTime,
  notes: z.string().nullable(),
  /** The open Stripe PaymentIntent, while there is one. */
  paymentIntentId: z.string().nullable(),
  paidAt: IsoDateTime.nullable(),
  cancelledAt: IsoDateTime.nullable(),
  refundedAmount: Money.nullable(),
  refundedAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type BillView = z.infer<typeof BillView>;

export const PaymentIntentView = z.object({
  clientSecret: z.string(),
  /** In cents, as the spec and Stripe give it. */
  amount: z.number().int(),
  currency: z.enum(CURRENCIES),
  paymentIntentId: z.string(),
  billId: Id('bill'),
});

export const PaymentView = z.object({
  id: Id('pay'),
  billId: Id('bill'),
  studentId: Id('user'),
  paymentIntentId: z.string(),
  amount: Money,
  currency: z.enum(CURRENCIES),
  status: PaymentStatus,
  failureMessage: z.string().nullable(),
  refundedAmount: Money.nullable(),
  refundedAt: IsoDateTime.nullable(),
  succeededAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type PaymentView = z.infer<typeof PaymentView>;

const BillIdParams = z.object({ billId: Id('bill') });

export const billingRoutes = {
  listBills: defineRoute({
    method: 'GET',
    path: '/bills',
    fn: 'billing',
    access: 'authenticated',
    rateLimit: 'general',
    summary: "Bills, newest first: a student's own, or for admins all (or one student's); status",
    query: ListBillsQuery,
    response: BillView,
  }),
  createBill: defineRoute({
    method: 'POST',
    path: '/bills',
    fn: 'billing',
    access: 'admin',
    rateLimit: 'general',
    summary: "Bill a student for one of their tasks; the total is the sum of the items; the student is notified and the bill turns overdue at its due date",
    body: CreateBillBody,
    response: BillView,
    successStatus: 201,
    idempotent: {},
  }),
  getBill: defineRoute({
    method: 'GET',
    path: '/bills/{billId}',
    fn: 'billing',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'One bill (its student or an admin)',
    params: BillIdParams,
    response: BillView,
  }),
  updateBill: defineRoute({
    method: 'PUT',
    path: '/bills/{billId}',
    fn: 'billing',
    access: 'admin',
    rateLimit: 'general',
    summary: 'Edit an unpaid bill (its open payment intent is cancelled first; 409 while a payment is processing); a future due date makes an overdue bill pending again',
    params: BillIdParams,
    body: UpdateBillBody,
    response: BillView,
  }),
  cancelBill: defineRoute({
    method: 'DELETE',
    path: '/bills/{billId}',
    fn: 'billing',
    access: 'admin',
    rateLimit: 'general',
    summary: 'Cancel an unpaid bill (kept, status cancelled; its open payment intent is cancelled first)',
    params: BillIdParams,
    response: BillView,
  }),
  createPaymentIntent: defineRoute({
    method: 'POST',
    path: '/bills/{billId}/payment-intent',
    fn: 'billing',
    access: 'student',
    rateLimit: 'general',
    summary: "The bill's Stripe PaymentIntent for its total (the same one while it can still be confirmed); the bill's student only",
    params: BillIdParams,
    body: PaymentIntentBody,
    response: PaymentIntentView,
  }),
  paymentHistory: defineRoute({
    method: 'GET',
    path: '/payments/history',
    fn: 'billing',
    access: 'authenticated',
    rateLimit: 'general',
    summary: "Payment attempts, newest first: a student's own, or for admins all; status, dateFrom, dateTo",
    query: PaymentHistoryQuery,
    response: PaymentView,
  }),
} satisfies Record<string, RouteDef>;

export const webhookRoutes = {
  stripeWebhook: defineRoute({
    method: 'POST',
    path: '/webhook/stripe',
    fn: 'webhook',
    access: 'public',
    rateLimit: 'none',
    summary: "Stripe's events, signature checked on the raw body; each applied exactly once (also served at the webhook function's URL)",
    rawBody: true,
    response: z.object({ received: z.literal(true), duplicate: z.boolean().optional() }),
  }),
} satisfies Record<string, RouteDef>;
