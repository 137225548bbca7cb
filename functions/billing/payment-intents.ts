// The bill's Stripe PaymentIntent. The bill keeps the id of its open intent (a conditional write); while that
// intent can still be confirmed, asking again answers its client secret; otherwise a new one is made for the
// total, under the idempotency key `bill-<id>-v<version>` (two racing requests get the same intent from
// Stripe, and only one of them records it), with a payment record (pending) and a pointer from the intent.
import type { Db } from '#shared/db/client.ts';
import type { AuthUser } from '#shared/auth/tokens.ts';
import { transact } from '#shared/db/transact.ts';
import { cancellationReasons } from '#shared/db/errors.ts';
import { getUserById } from '#shared/db/entities/user.ts';
import { billKeys, getBill, paymentKeys, revenueShardOf, toPaymentItem, type Bill, type Currency, type Payment } from '#shared/db/entities/bill.ts';
import { conflict, notFound, validationError } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import { CONFIRMABLE_STATUSES, type Stripe } from '#shared/payments/stripe.ts';

export interface IntentAnswer {
  clientSecret: string;
  amount: number;
  currency: Currency;
  paymentIntentId: string;
  billId: string;
}

const answer = (bill: Bill, intent: Stripe.PaymentIntent): IntentAnswer => ({
  clientSecret: intent.client_secret!,
  amount: intent.amount,
  currency: bill.currency,
  paymentIntentId: intent.id,
  billId: bill.id,
});

export async function paymentIntentFor(db: Db, stripe: () => Promise<Stripe>, actor: AuthUser, billId: string, currency: Currency, now: Date): Promise<IntentAnswer> {
  for (let attempt = 0; ; attempt++) {
    const bill = await getBill(db, billId);
    if (!bill || bill.studentId !== actor.id) throw notFound('Bill');
    if (bill.status === 'paid' || bill.status === 'cancelled') throw conflict(`This bill is ${bill.status}; there is nothing to pay`, { currentStatus: bill.status });
    if (currency !== bill.currency) throw validationError('currency', `must be the bill's currency (${bill.currency})`);
    const client = await stripe();

    if (bill.paymentIntentId) {
      const open = await client.paymentIntents.retrieve(bill.paymentIntentId);
      if (CONFIRMABLE_STATUSES.includes(open.status) && open.amount === bill.totalCents && open.currency === bill.currency) return answer(bill, open);
      if (open.status === 'processing') throw conflict('A payment of this bill is processing; wait for the bank to decide', { paymentIntentStatus: open.status });
      if (open.status === 'succeeded') throw conflict('This bill was just paid; it shows as paid in a moment', { paymentIntentStatus: open.status });
      // Cancelled (or for another amount): a new intent replaces it below.
    }

    const account = await getUserById(db, actor.id, { consistent: true });
    if (!account) throw notFound('User');
    const intent = await client.paymentIntents.create(
      {
        amount: bill.totalCents,
        currency: bill.currency,
        description: bill.description.slice(0, 200),
        receipt_email: account.email,
        metadata: { billId: bill.id, studentId: bill.studentId },
      },
      { idempotencyKey: `bill-${bill.id}-v${bill.version}` },
    );
    const at = now.toISOString();
    const payment: Payment = {
      id: newId('pay', now),
      billId: bill.id,
      studentId: bill.studentId,
      paymentIntentId: intent.id,
      amountCents: intent.amount,
      currency: bill.currency,
      status: 'pending',
      createdAt: at,
      updatedAt: at,
    };
    payment.revenueShard = revenueShardOf(payment.id);
    try {
      await transact(db, [
        {
          Update: {
            TableName: db.tableName,
            Key: billKeys.bill(bill.id),
            UpdateExpression: 'SET paymentIntentId = :pi, version = :next, updatedAt = :now',
            ConditionExpression: 'version = :version AND #status IN (:pending, :overdue)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':pi': intent.id, ':next': bill.version + 1, ':now': at, ':version': bill.version, ':pending': 'pending', ':overdue': 'overdue' },
          },
        },
        { Put: { TableName: db.tableName, Item: { ...paymentKeys.intent(intent.id), entity: 'stripe_pi', paymentId: payment.id, billId: bill.id }, ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: db.tableName, Item: toPaymentItem(payment), ConditionExpression: 'attribute_not_exists(pk)' } },
        { Put: { TableName: db.tableName, Item: { ...paymentKeys.allEntry(payment), entity: 'payment_entry', paymentId: payment.id } } },
      ]);
      return answer(bill, intent);
    } catch (err) {
      if (!cancellationReasons(err)?.includes('ConditionalCheckFailed') || attempt >= 2) throw err;
      // Another request recorded this (or another) intent first, or the bill changed: decide again on what is there now.
    }
  }
}
