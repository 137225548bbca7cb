// The billing function: the bill and payment routes over HTTP, and the bills' due-date schedules, which
// EventBridge Scheduler invokes with their job payload (not an HTTP event).
import type { Context } from 'aws-lambda';
import { billingRoutes } from '#shared/contract/billing.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { paginationOf, reply } from '#shared/http/reply.ts';
import { getDb } from '#shared/db/client.ts';
import { createLogger, type Logger } from '#shared/log.ts';
import { notify, type NotifyInput } from '#shared/notify/notify.ts';
import { defaultNotifyDeps } from '#shared/notify/deps.ts';
import { getStripe } from '#shared/payments/stripe.ts';
import { billView, cancelBill, createBill, listBills, loadBillFor, updateBill } from './bills.ts';
import { paymentIntentFor } from './payment-intents.ts';
import { paymentHistory, paymentView } from './history.ts';
import { OverdueJob, markOverdue, newBillNotice, scheduleDueDate, unscheduleDueDate } from './overdue.ts';

async function tell(log: Logger, notice: NotifyInput | undefined): Promise<void> {
  if (!notice) return;
  try {
    await notify(defaultNotifyDeps(log), notice);
  } catch (err) {
    log.error('billing notice failed', { error: err, userId: notice.userId });
  }
}

/** This function's ARN, the target of the schedules it makes. */
let selfArn = '';

const http = createHttpHandler(billingRoutes, {
  listBills: async ({ auth, query }) => {
    const page = await listBills(getDb(), auth, query);
    return reply.page(page.items.map(billView), paginationOf(page, query));
  },
  createBill: {
    run: async ({ auth, body, request, log }) => {
      const bill = await createBill(getDb(), auth, body, request.now);
      await scheduleDueDate(bill, selfArn, log);
      await tell(log, newBillNotice(bill));
      return reply.created(billView(bill));
    },
    // A retry with the same Idempotency-Key answers the bill as it is now, without a second bill.
    replay: async ({ auth, resourceIds: [billId] }) => billView(await loadBillFor(getDb(), auth, billId)),
  },
  getBill: async ({ auth, params }) => billView(await loadBillFor(getDb(), auth, params.billId)),
  updateBill: async ({ params, body, request, log }) => {
    const { before, after } = await updateBill(getDb(), getStripe, params.billId, body, request.now);
    if (after.dueDate !== before.dueDate || after.status !== before.status) await scheduleDueDate(after, selfArn, log);
    return billView(after);
  },
  cancelBill: async ({ params, request, log }) => {
    const bill = await cancelBill(getDb(), getStripe, params.billId, request.now);
    await unscheduleDueDate(bill, log);
    return billView(bill);
  },
  createPaymentIntent: async ({ auth, params, body, request }) => paymentIntentFor(getDb(), getStripe, auth, params.billId, body.currency, request.now),
  paymentHistory: async ({ auth, query }) => {
    const page = await paymentHistory(getDb(), auth, query);
    return reply.page(page.items.map(paymentView), paginationOf(page, query));
  },
});

const jobLog = createLogger({ service: 'billing' });

export const handler = async (event: unknown, context: Context) => {
  selfArn = context.invokedFunctionArn;
  const job = OverdueJob.safeParse(event);
  if (job.success) {
    const log = jobLog.child({ job: job.data.job, billId: job.data.billId, requestId: context.awsRequestId });
    await tell(log, await markOverdue(getDb(), job.data, new Date(), log));
    return { ok: true };
  }
  return http(event as never, context);
};
