// Documentation of the billing, payment and webhook routes (see ./index.ts). Examples are the spec's, with this
// API's ids and fields (money in currency units; a PaymentIntent's amount in cents).
import type { RouteDoc } from '../../http/openapi.ts';
import { exampleId, EXAMPLE_TIME } from '../../http/schema-example.ts';

const billId = exampleId('bill');
const items = [
  { description: 'Research and writing', amount: 200 },
  { description: 'Formatting and citations', amount: 50 },
];

const billExample = {
  id: billId,
  taskId: exampleId('task'),
  studentId: exampleId('user'),
  description: 'Payment for research paper assistance',
  items,
  total: 250,
  currency: 'usd',
  status: 'pending',
  dueDate: '2030-02-01T23:59:59.000Z',
  notes: 'Payment terms and conditions',
  paymentIntentId: null,
  paidAt: null,
  cancelledAt: null,
  refundedAmount: null,
  refundedAt: null,
  createdAt: EXAMPLE_TIME,
  updatedAt: EXAMPLE_TIME,
};

const paymentExample = {
  id: exampleId('pay'),
  billId,
  studentId: exampleId('user'),
  paymentIntentId: 'pi_3QhK2vLkdIwHu7ix0qYp1abc',
  amount: 250,
  currency: 'usd',
  status: 'succeeded',
  failureMessage: null,
  refundedAmount: null,
  refundedAt: null,
  succeededAt: EXAMPLE_TIME,
  createdAt: EXAMPLE_TIME,
  updatedAt: EXAMPLE_TIME,
};

const visible = "Its student or an admin; for another student it does not exist (404).";
const unpaid = 'The bill is paid or cancelled, or its payment is processing (the bank is deciding): the reason is in the message.';
const stripeDown = 'Also: payments are not configured on this deployment (no Stripe key), or Stripe is unreachable.';

export const billingDocs: Record<string, RouteDoc> = {
  'GET /bills': {
    description: "A student's own bills, or for admins every bill (or one student's with `studentId`), newest first. Bills turn `overdue` by themselves at their due date.",
    params: {
      status: 'Only bills in this status: `pending`, `paid`, `overdue` or `cancelled`.',
      studentId: "Admins: one student's bills. A student naming another student is refused (403).",
    },
    responseExample: billExample,
    errors: { 403: 'A student asking for another student\'s bills.' },
  },
  'POST /bills': {
    description:
      "Admins bill a student for one of the student's tasks. The total is the server's sum of the items (a `total` in the body is ignored) and must lie within Stripe's limits for the currency; `currency` defaults to `BILLING_DEFAULT_CURRENCY` (`usd`). `dueDate` must be in the future: the bill turns `overdue` then. The student is notified.",
    requestExample: {
      taskId: exampleId('task'),
      studentId: exampleId('user'),
      description: 'Payment for research paper assistance',
      items,
      dueDate: '2030-02-01T23:59:59Z',
      notes: 'Payment terms and conditions',
      currency: 'usd',
    },
    responseExample: billExample,
    errors: { 400: "Also: a due date in the past, a total outside Stripe's limits, a `studentId` that is not a student's, or a task that is not that student's." },
  },
  'GET /bills/{billId}': {
    description: `One bill. ${visible}`,
    responseExample: billExample,
  },
  'PUT /bills/{billId}': {
    description:
      "Admins edit an unpaid (`pending` or `overdue`) bill: description, items (the total follows), due date, notes (`null` or `\"\"` clears them). Its open PaymentIntent is cancelled first, so the student pays the new total. A future due date makes an overdue bill `pending` again.",
    requestExample: { description: 'Updated description', items, dueDate: '2030-02-05T23:59:59Z', notes: null },
    responseExample: { ...billExample, description: 'Updated description', dueDate: '2030-02-05T23:59:59.000Z', notes: null },
    errors: { 400: 'Also: a due date in the past.', 409: unpaid, 503: stripeDown },
  },
  'DELETE /bills/{billId}': {
    description: "Admins cancel an unpaid bill: it is kept with status `cancelled` and `cancelledAt`; its open PaymentIntent is cancelled first and its due-date schedule removed.",
    responseExample: { ...billExample, status: 'cancelled', cancelledAt: EXAMPLE_TIME },
    errors: { 409: unpaid, 503: stripeDown },
  },
  'POST /bills/{billId}/payment-intent': {
    description:
      "The bill's student gets a Stripe PaymentIntent for the bill's total, to confirm with Stripe.js (`clientSecret`). The same intent is answered while it can still be confirmed. `currency` must be the bill's; `customerEmail` is ignored (the receipt goes to the account's address). `amount` is in cents, as Stripe counts. The payment is recorded from Stripe's webhook.",
    requestExample: { currency: 'usd', customerEmail: 'student@example.com' },
    responseExample: { clientSecret: 'pi_3QhK2vLkdIwHu7ix0qYp1abc_secret_Xy9kLm2nOp', amount: 25000, currency: 'usd', paymentIntentId: 'pi_3QhK2vLkdIwHu7ix0qYp1abc', billId },
    errors: { 400: "Also: `currency` is not the bill's.", 403: 'An admin (only the bill\'s student pays).', 404: 'No such bill, or another student\'s.', 409: 'The bill is paid or cancelled, or its payment is processing or just succeeded.', 503: stripeDown },
  },
  'GET /payments/history': {
    description:
      "Payment attempts, newest first: a student's own, or for admins every one. A cancelled PaymentIntent shows as `failed` with `failureMessage` \"The payment was cancelled\"; refunds show in `refundedAmount` and `refundedAt`.",
    params: { status: 'Only attempts in this status: `succeeded`, `failed` or `pending`.' },
    responseExample: paymentExample,
  },
  'POST /webhook/stripe': {
    description:
      "Stripe's events (`payment_intent.*`, `charge.refunded`, ...), signed with the endpoint's secret: the `Stripe-Signature` header is checked on the raw body (at most 300 s old), and each event is applied exactly once (a redelivered one answers `duplicate: true`). Register the webhook function's own URL (the `StripeWebhookUrl` stack output) with Stripe; this route runs the same handler.",
    params: { 'Stripe-Signature': "Stripe's signature of the raw body (`t=...,v1=...`)." },
    responseExample: { received: true, duplicate: false },
    errors: { 400: 'A missing, wrong or stale signature, or a body that is not a Stripe event.', 503: 'Also: the webhook is not configured on this deployment (no signing secret).' },
  },
};
