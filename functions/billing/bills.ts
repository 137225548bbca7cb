// Bills: admins create, edit and cancel; students read their own, admins all. Every change is conditional on
// the bill's version; a change that would leave a payable PaymentIntent for an old amount cancels it first.
import type * as z from '#shared/zod.ts';
import type { Db } from '#shared/db/client.ts';
import type { AuthUser } from '#shared/auth/tokens.ts';
import type { BillView, CreateBillBody, ListBillsQuery, UpdateBillBody } from '#shared/contract/billing.ts';
import { cancellationReasons } from '#shared/db/errors.ts';
import { transact } from '#shared/db/transact.ts';
import { batchGetInOrder } from '#shared/db/batch.ts';
import { queryPage, type Page } from '#shared/db/query.ts';
import { getUserById } from '#shared/db/entities/user.ts';
import { getTaskById } from '#shared/db/entities/task.ts';
import {
  CURRENCY_MINIMUM_CENTS,
  MAX_AMOUNT_CENTS,
  billKeys,
  fromBillItem,
  getBill,
  toBillItem,
  type Bill,
  type BillStatus,
  type Currency,
} from '#shared/db/entities/bill.ts';
import { AppError, conflict, forbidden, notFound, validationError } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import { getConfig } from '#shared/config.ts';
import type { Stripe } from '#shared/payments/stripe.ts';

type ListQuery = z.infer<typeof ListBillsQuery>;

const units = (cents: number) => cents / 100;

export function billView(b: Bill): BillView {
  return {
    id: b.id,
    taskId: b.taskId,
    studentId: b.studentId,
    description: b.description,
    items: b.items.map((i) => ({ description: i.description, amount: units(i.amountCents) })),
    total: units(b.totalCents),
    currency: b.currency,
    status: b.status,
    dueDate: b.dueDate,
    notes: b.notes ?? null,
    paymentIntentId: b.paymentIntentId ?? null,
    paidAt: b.paidAt ?? null,
    cancelledAt: b.cancelledAt ?? null,
    refundedAmount: b.refundedCents === undefined ? null : units(b.refundedCents),
    refundedAt: b.refundedAt ?? null,
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
  };
}

/** The server's total, within Stripe's limits for the currency. */
function totalOf(items: { amount: number }[], currency: Currency): number {
  const total = items.reduce((sum, i) => sum + i.amount, 0);
  const minimum = CURRENCY_MINIMUM_CENTS[currency];
  if (total < minimum) throw validationError('items', `must total at least ${units(minimum)} ${currency.toUpperCase()} (Stripe's minimum charge)`);
  if (total > MAX_AMOUNT_CENTS) throw validationError('items', `must total at most ${units(MAX_AMOUNT_CENTS)} ${currency.toUpperCase()} (Stripe's maximum charge)`);
  return total;
}

function requireFutureDueDate(dueDate: string, now: Date): void {
  if (Date.parse(dueDate) <= now.getTime()) throw validationError('dueDate', 'must be in the future');
}

export async function createBill(db: Db, actor: AuthUser, body: CreateBillBody, now: Date): Promise<Bill> {
  const [student, task] = await Promise.all([getUserById(db, body.studentId, { consistent: true }), getTaskById(db, body.taskId)]);
  if (!student || student.role !== 'student') throw validationError('studentId', "must be a student's user id");
  if (!task || task.studentId !== student.id) throw validationError('taskId', 'must be a task of that student');
  requireFutureDueDate(body.dueDate, now);
  const currency = body.currency ?? getConfig().BILLING_DEFAULT_CURRENCY;
  const at = now.toISOString();
  const bill: Bill = {
    id: newId('bill', now),
    studentId: student.id,
    taskId: task.id,
    description: body.description,
    items: body.items.map((i) => ({ description: i.description, amountCents: i.amount })),
    totalCents: totalOf(body.items, currency),
    currency,
    status: 'pending',
    dueDate: body.dueDate,
    ...(body.notes ? { notes: body.notes } : {}),
    version: 1,
    createdBy: actor.id,
    createdAt: at,
    updatedAt: at,
  };
  await transact(db, [
    { Put: { TableName: db.tableName, Item: toBillItem(bill), ConditionExpression: 'attribute_not_exists(pk)' } },
    { Put: { TableName: db.tableName, Item: { ...billKeys.allEntry(bill), entity: 'bill_entry', billId: bill.id }, ConditionExpression: 'attribute_not_exists(pk)' } },
  ]);
  return bill;
}

/** The bill for its student or an admin; anyone else gets a 404, as for a bill that does not exist. */
export async function loadBillFor(db: Db, actor: AuthUser, billId: string): Promise<Bill> {
  const bill = await getBill(db, billId);
  if (!bill || (actor.role !== 'admin' && bill.studentId !== actor.id)) throw notFound('Bill');
  return bill;
}

/**
 * One page, newest first. Each filter combination is its own key: a student's bills (gsi1), a student's bills
 * of one status (gsi2), all bills of one status (gsi3), all bills (the BILLS#ALL entries, then one BatchGet).
 */
export async function listBills(db: Db, actor: AuthUser, query: ListQuery): Promise<Page<Bill>> {
  if (actor.role !== 'admin' && query.studentId && query.studentId !== actor.id) throw forbidden("Students see only their own bills");
  const studentId = actor.role === 'admin' ? query.studentId : actor.id;
  const all = !studentId && !query.status;
  const readPage = (cursor?: string) =>
    all
      ? queryPage(db, { partition: { name: 'pk', value: billKeys.allPartition }, ascending: false }, { limit: query.limit, cursor, page: query.page }, (item) => item.billId as string)
      : queryPage(
          db,
          studentId
            ? query.status
              ? { index: 'gsi2', partition: { name: 'gsi2pk', value: billKeys.byStudentStatus(studentId, query.status) }, ascending: false }
              : { index: 'gsi1', partition: { name: 'gsi1pk', value: billKeys.byStudent(studentId) }, ascending: false }
            : { index: 'gsi3', partition: { name: 'gsi3pk', value: billKeys.byStatus(query.status!) }, ascending: false },
          { limit: query.limit, cursor, page: query.page },
          (item) => item,
        );
  // `page` skips inside the same Query, within the request's read budget (shared/db/query.ts).
  const page = await readPage(query.cursor);
  if (!all) return { items: (page.items as Record<string, unknown>[]).map(fromBillItem), nextCursor: page.nextCursor };
  return { items: await batchGetInOrder(db, page.items as string[], billKeys.bill, fromBillItem), nextCursor: page.nextCursor };
}

const unpaid = (b: Bill) => b.status === 'pending' || b.status === 'overdue';

function notChangeable(b: Bill, what: string): AppError {
  return conflict(`A ${b.status} bill cannot be ${what}`, { currentStatus: b.status });
}

/**
 * Cancels the bill's open PaymentIntent before the bill changes under it. An intent that is `processing` (the
 * bank is deciding) blocks the change; one that already succeeded means the bill is being paid right now.
 */
export async function cancelOpenIntent(stripe: Stripe, bill: Bill, what: string): Promise<void> {
  if (!bill.paymentIntentId) return;
  const intent = await stripe.paymentIntents.retrieve(bill.paymentIntentId);
  if (intent.status === 'canceled') return;
  if (intent.status === 'processing') {
    throw conflict(`This bill cannot be ${what} while its payment is processing; try again when the bank has decided`, { paymentIntentStatus: intent.status });
  }
  if (intent.status === 'succeeded') {
    throw conflict(`This bill was just paid and cannot be ${what}`, { paymentIntentStatus: intent.status });
  }
  try {
    await stripe.paymentIntents.cancel(intent.id, { cancellation_reason: 'abandoned' });
  } catch (err) {
    // It moved on meanwhile (succeeded or processing): Stripe refuses the cancel; so do we.
    const latest = await stripe.paymentIntents.retrieve(intent.id);
    if (latest.status === 'canceled') return;
    throw conflict(`This bill cannot be ${what}: its payment is ${latest.status}`, { paymentIntentStatus: latest.status, cause: (err as Error).message });
  }
}

/** The conditional update of a bill from version `expected.version`: `set` applied, `remove` removed, version + 1. */
async function writeBill(db: Db, expected: Bill, next: Bill, remove: string[] = []): Promise<void> {
  const { id, ...fields } = toBillItem(next);
  void id;
  delete fields.pk;
  delete fields.sk;
  const names: Record<string, string> = { '#version': 'version', '#status': 'status' };
  const values: Record<string, unknown> = { ':expected': expected.version, ':pending': 'pending', ':overdue': 'overdue' };
  const sets = Object.entries(fields).map(([k, v], i) => {
    names[`#f${i}`] = k;
    values[`:v${i}`] = v;
    return `#f${i} = :v${i}`;
  });
  const removes = remove.map((k, i) => {
    names[`#r${i}`] = k;
    return `#r${i}`;
  });
  try {
    await transact(db, [
      {
        Update: {
          TableName: db.tableName,
          Key: billKeys.bill(expected.id),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: '#version = :expected AND #status IN (:pending, :overdue)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
    ]);
  } catch (err) {
    if (cancellationReasons(err)?.[0] !== 'ConditionalCheckFailed') throw err;
    const current = await getBill(db, expected.id);
    throw conflict(
      current && !unpaid(current) ? `The bill is now ${current.status}` : 'The bill changed meanwhile (a payment started or another admin edited it); reload and try again',
      { currentStatus: current?.status },
    );
  }
}

export async function updateBill(db: Db, stripe: () => Promise<Stripe>, billId: string, body: UpdateBillBody, now: Date): Promise<{ before: Bill; after: Bill }> {
  const bill = await getBill(db, billId);
  if (!bill) throw notFound('Bill');
  if (!unpaid(bill)) throw notChangeable(bill, 'edited');
  if (body.dueDate) requireFutureDueDate(body.dueDate, now);
  if (bill.paymentIntentId) await cancelOpenIntent(await stripe(), bill, 'edited');
  const items = body.items ? body.items.map((i) => ({ description: i.description, amountCents: i.amount })) : bill.items;
  const status: BillStatus = body.dueDate && bill.status === 'overdue' ? 'pending' : bill.status;
  const next: Bill = {
    ...bill,
    ...(body.description ? { description: body.description } : {}),
    items,
    totalCents: body.items ? totalOf(body.items, bill.currency) : bill.totalCents,
    ...(body.dueDate ? { dueDate: body.dueDate } : {}),
    status,
    version: bill.version + 1,
    updatedAt: now.toISOString(),
  };
  const remove = ['paymentIntentId'];
  if (body.notes === null || body.notes === '') {
    delete next.notes;
    remove.push('notes');
  } else if (body.notes !== undefined) next.notes = body.notes;
  delete next.paymentIntentId;
  await writeBill(db, bill, next, remove);
  return { before: bill, after: next };
}

export async function cancelBill(db: Db, stripe: () => Promise<Stripe>, billId: string, now: Date): Promise<Bill> {
  const bill = await getBill(db, billId);
  if (!bill) throw notFound('Bill');
  if (!unpaid(bill)) throw notChangeable(bill, 'cancelled');
  if (bill.paymentIntentId) await cancelOpenIntent(await stripe(), bill, 'cancelled');
  const at = now.toISOString();
  const next: Bill = { ...bill, status: 'cancelled', cancelledAt: at, version: bill.version + 1, updatedAt: at };
  delete next.paymentIntentId;
  await writeBill(db, bill, next, ['paymentIntentId']);
  return next;
}

