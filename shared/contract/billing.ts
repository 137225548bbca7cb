// Routes of the billing endpoint group (the spec's Billing & Payment: bills, the Stripe payment intent, the
// payment history) and of the webhook group (Stripe's events). Keys and costs: docs/data-model.md, "Billing
// and payments".
import * as z from '../zod.ts';
import { DateFrom, DateTo, defineRoute, Id, IsoDateTime, PageQuery, refineDateRange, type RouteDef } from '../http/contract.ts';
import { BILL_STATUSES, CURRENCIES, MAX_AMOUNT_CENTS, PAYMENT_STATUSES } from '../db/entities/bill.ts';

export const BillStatus = z.enum(BILL_STATUSES);
export const PaymentStatus = z.enum(PAYMENT_STATUSES);

/** An amount in the spec's units (dollars: 200 or 199.99), positive, at most two decimals; parsed to integer cents. */
const AmountToCents = z.pipe(
  z
    .number({ error: 'must be a number in the currency unit, e.g. 199.99' })
    .check(
      z.positive('must be greater than 0'),
      z.lte(MAX_AMOUNT_CENTS / 100, `must be at most ${MAX_AMOUNT_CENTS / 100}`),
      z.refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, 'must have at most two decimal places'),
    ),
  z.transform((n: number) => Math.round(n * 100)),
);

/** `usd` or `USD`: one of the currencies bills are made in. */
const CurrencyCode = z.pipe(
  z.string().check(z.trim(), z.toLowerCase()),
  z.enum(CURRENCIES, { error: `must be one of ${CURRENCIES.join(', ')}` }),
);

const text = (max: number) =>
  z.string({ error: 'is required' }).check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(max, `must be at most ${max} characters`));
const Notes = z.string().check(z.trim(), z.maxLength(2000, 'must be at most 2000 characters'));

const BillItemBody = z.object({ description: text(200), amount: AmountToCents });
const Items = z.array(BillItemBody).check(z.minLength(1, 'must hold at least one item'), z.maxLength(50, 'must hold at most 50 items'));
const DueDate = z.pipe(IsoDateTime, z.transform((s: string) => new Date(s).toISOString()));

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
  notes: z.optional(Notes),
  currency: z.optional(CurrencyCode),
});
export type CreateBillBody = z.infer<typeof CreateBillBody>;

/** The spec's update body: any of description, items, dueDate, notes (`null` or `""` clears the notes). */
export const UpdateBillBody = z
  .object({
    description: z.optional(text(500)),
    items: z.optional(Items),
    dueDate: z.optional(DueDate),
    notes: z.optional(z.nullable(Notes)),
  })
  .check(z.refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'must change at least one of description, items, dueDate, notes', path: [] }));
export type UpdateBillBody = z.infer<typeof UpdateBillBody>;

export const ListBillsQuery = z.extend(PageQuery, {
  status: z.optional(BillStatus),
  /** Admins: one student's bills. */
  studentId: z.optional(Id('user')),
});

/** The spec's body; `customerEmail` is accepted and ignored: the receipt goes to the account's e-mail. */
export const PaymentIntentBody = z.object({
  currency: CurrencyCode,
  customerEmail: z.optional(z.unknown()),
});

export const PaymentHistoryQuery = z
  .extend(PageQuery, {
    status: z.optional(PaymentStatus),
    dateFrom: z.optional(DateFrom),
    dateTo: z.optional(DateTo),
  })
  .check(z.superRefine(refineDateRange));

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
  notes: z.nullable(z.string()),
  /** The open Stripe PaymentIntent, while there is one. */
  paymentIntentId: z.nullable(z.string()),
  paidAt: z.nullable(IsoDateTime),
  cancelledAt: z.nullable(IsoDateTime),
  refundedAmount: z.nullable(Money),
  refundedAt: z.nullable(IsoDateTime),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type BillView = z.infer<typeof BillView>;

export const PaymentIntentView = z.object({
  clientSecret: z.string(),
  /** In cents, as the spec and Stripe give it. */
  amount: z.number().check(z.int()),
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
  failureMessage: z.nullable(z.string()),
  refundedAmount: z.nullable(Money),
  refundedAt: z.nullable(IsoDateTime),
  succeededAt: z.nullable(IsoDateTime),
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
    response: z.object({ received: z.literal(true), duplicate: z.optional(z.boolean()) }),
  }),
} satisfies Record<string, RouteDef>;
