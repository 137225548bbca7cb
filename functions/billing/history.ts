// The payment history: each attempt (one per PaymentIntent), newest first. Each filter combination is a key:
// a student's payments (gsi1), of one status (gsi2), everyone's of one status (gsi3), everyone's (PAYS#ALL
// entries, then one BatchGet); dateFrom/dateTo bound the sort key (`<createdAt>#<id>`).
import type * as z from '#shared/zod.ts';
import type { Db } from '#shared/db/client.ts';
import type { AuthUser } from '#shared/auth/tokens.ts';
import type { PaymentHistoryQuery, PaymentView } from '#shared/contract/billing.ts';
import { batchGetInOrder } from '#shared/db/batch.ts';
import { queryPage, type Page } from '#shared/db/query.ts';
import { fromPaymentItem, paymentKeys, type Payment } from '#shared/db/entities/bill.ts';

type HistoryQuery = z.infer<typeof PaymentHistoryQuery>;

export function paymentView(p: Payment): PaymentView {
  return {
    id: p.id,
    billId: p.billId,
    studentId: p.studentId,
    paymentIntentId: p.paymentIntentId,
    amount: p.amountCents / 100,
    currency: p.currency,
    status: p.status,
    failureMessage: p.failureMessage ?? null,
    refundedAmount: p.refundedCents === undefined ? null : p.refundedCents / 100,
    refundedAt: p.refundedAt ?? null,
    succeededAt: p.succeededAt ?? null,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
  };
}

export async function paymentHistory(db: Db, actor: AuthUser, query: HistoryQuery): Promise<Page<Payment>> {
  const studentId = actor.role === 'admin' ? undefined : actor.id;
  const all = !studentId && !query.status;
  const range = query.dateFrom || query.dateTo ? ([query.dateFrom ?? '0', `${query.dateTo ?? '9999'}~`] as [string, string]) : undefined;
  const readPage = (cursor?: string) =>
    all
      ? queryPage(db, { partition: { name: 'pk', value: paymentKeys.allPartition }, sort: range && { name: 'sk', between: range }, ascending: false }, { limit: query.limit, cursor, page: query.page }, (item) => item.paymentId as string)
      : queryPage(
          db,
          studentId
            ? query.status
              ? { index: 'gsi2', partition: { name: 'gsi2pk', value: paymentKeys.byStudentStatus(studentId, query.status) }, sort: range && { name: 'gsi2sk', between: range }, ascending: false }
              : { index: 'gsi1', partition: { name: 'gsi1pk', value: paymentKeys.byStudent(studentId) }, sort: range && { name: 'gsi1sk', between: range }, ascending: false }
            : { index: 'gsi3', partition: { name: 'gsi3pk', value: paymentKeys.byStatus(query.status!) }, sort: range && { name: 'gsi3sk', between: range }, ascending: false },
          { limit: query.limit, cursor, page: query.page },
          (item) => item,
        );
  // `page` skips inside the same Query, within the request's read budget (shared/db/query.ts).
  const page = await readPage(query.cursor);
  if (!all) return { items: (page.items as Record<string, unknown>[]).map(fromPaymentItem), nextCursor: page.nextCursor };
  return { items: await batchGetInOrder(db, page.items as string[], paymentKeys.payment, fromPaymentItem), nextCursor: page.nextCursor };
}
