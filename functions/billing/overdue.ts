// A bill's due date is a one-time EventBridge Scheduler schedule (`bill-<billId>`) that invokes this function
// with { job: 'bill.overdue', billId, dueDate }: created with the bill, moved with its due date, deleted when it
// is cancelled. When it fires, the bill is re-read and turns overdue only if it is still pending with that
// due date (a stale schedule changes nothing); the student is reminded per `email.paymentReminders`.
import * as z from '#shared/zod.ts';
import type { Db } from '#shared/db/client.ts';
import type { Logger } from '#shared/log.ts';
import { cancellationReasons } from '#shared/db/errors.ts';
import { transact } from '#shared/db/transact.ts';
import { billIndexKeys, billKeys, getBill, type Bill } from '#shared/db/entities/bill.ts';
import { deleteOneTimeSchedule, putOneTimeSchedule, schedulesConfigured } from '#shared/schedules/one-time.ts';
import type { NotifyInput } from '#shared/notify/notify.ts';

export const OverdueJob = z.object({ job: z.literal('bill.overdue'), billId: z.string(), dueDate: z.string() });
export type OverdueJob = z.infer<typeof OverdueJob>;

/** Creates or moves the bill's due-date schedule; `selfArn` is this function (the schedule's target). */
export async function scheduleDueDate(bill: Bill, selfArn: string, log: Logger): Promise<void> {
  if (!schedulesConfigured()) {
    log.warn('no schedule group configured: the bill will not turn overdue by itself', { billId: bill.id });
    return;
  }
  const job: OverdueJob = { job: 'bill.overdue', billId: bill.id, dueDate: bill.dueDate };
  const put = () => putOneTimeSchedule({ name: billKeys.scheduleName(bill.id), at: new Date(bill.dueDate), targetArn: selfArn, input: job, description: `Bill ${bill.id} due` });
  try {
    await put();
  } catch (err) {
    log.warn('due-date schedule failed; retrying once', { error: err, billId: bill.id });
    try {
      await put();
    } catch (again) {
      // The bill stands; it stays pending past its due date until edited. Logged for an operator.
      log.error('due-date schedule could not be written', { error: again, billId: bill.id });
    }
  }
}

export async function unscheduleDueDate(bill: Bill, log: Logger): Promise<void> {
  if (!schedulesConfigured()) return;
  try {
    await deleteOneTimeSchedule(billKeys.scheduleName(bill.id));
  } catch (err) {
    // A schedule left behind fires, re-reads a cancelled bill and does nothing.
    log.warn('due-date schedule could not be deleted', { error: err, billId: bill.id });
  }
}

const money = (b: Bill) => `${(b.totalCents / 100).toFixed(2)} ${b.currency.toUpperCase()}`;

/** Runs a fired schedule: pending -> overdue, once, if the schedule still applies. Returns the reminder to send. */
export async function markOverdue(db: Db, job: OverdueJob, now: Date, log: Logger): Promise<NotifyInput | undefined> {
  const bill = await getBill(db, job.billId);
  if (!bill || bill.status !== 'pending' || bill.dueDate !== job.dueDate || Date.parse(bill.dueDate) > now.getTime() + 1000) {
    log.info('stale due-date schedule ignored', { billId: job.billId, status: bill?.status });
    return undefined;
  }
  const next: Bill = { ...bill, status: 'overdue', version: bill.version + 1, updatedAt: now.toISOString() };
  const keys = billIndexKeys(next);
  try {
    await transact(db, [
      {
        Update: {
          TableName: db.tableName,
          Key: billKeys.bill(bill.id),
          UpdateExpression: 'SET #status = :overdue, version = :next, updatedAt = :now, gsi2pk = :gsi2pk, gsi3pk = :gsi3pk',
          // Still pending with this due date: a payment or an edit that won the race stands.
          ConditionExpression: '#status = :pending AND dueDate = :due AND version = :version',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':overdue': 'overdue',
            ':pending': 'pending',
            ':due': job.dueDate,
            ':version': bill.version,
            ':next': next.version,
            ':now': next.updatedAt,
            ':gsi2pk': keys.gsi2pk,
            ':gsi3pk': keys.gsi3pk,
          },
        },
      },
    ]);
  } catch (err) {
    if (cancellationReasons(err)?.[0] !== 'ConditionalCheckFailed') throw err;
    log.info('bill changed before it could turn overdue', { billId: bill.id });
    return undefined;
  }
  return {
    userId: bill.studentId,
    type: 'system',
    emailPreference: 'paymentReminders',
    title: 'Bill overdue',
    message: `Your bill "${bill.description}" of ${money(bill)} was due on ${bill.dueDate.slice(0, 10)} and is now overdue. Please pay it as soon as you can.`,
    data: { billId: bill.id, status: 'overdue' },
    link: `/bills/${bill.id}`,
  };
}

export const newBillNotice = (bill: Bill): NotifyInput => ({
  userId: bill.studentId,
  type: 'system',
  title: 'New bill',
  message: `You have a new bill: "${bill.description}", ${money(bill)}, due ${bill.dueDate.slice(0, 10)}.`,
  data: { billId: bill.id, status: bill.status },
  link: `/bills/${bill.id}`,
});
