// Bills and Stripe payments through the real gateway, the local Stripe emulator (which delivers signed events
// to the webhook function's URL) and the local Scheduler (which fires each bill's due date): admins bill,
// students pay exactly once, refunds and overdue bills show where a user looks.
import { beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { useTestStack } from '../support/stack.ts';
import { apiClient } from '../support/http.ts';
import { seedAdmin, seedStudent, type Actor } from '../support/users.ts';
import { seedTask } from '../support/tasks.ts';
import { eventually } from '../support/ws.ts';
import { getDb } from '../../shared/db/client.ts';
import { billKeys, readRevenue } from '../../shared/db/entities/bill.ts';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { stripeOptionsFor } from '../../shared/payments/stripe.ts';

const stack = useTestStack({ LOCAL_SCHEDULER_TICK_MS: '200', LOCAL_STRIPE_RETRY_MS: '100' });
const api = apiClient(() => stack.apiUrl);
/** The browser's side of Stripe (confirming with a test card) and the dashboard's (refunds), against the emulator. */
const stripe = () => new Stripe(process.env.STRIPE_SECRET_KEY!, stripeOptionsFor(process.env.STRIPE_API_URL));

let admin: Actor;
beforeAll(async () => {
  admin = await seedAdmin();
});

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const billBody = async (student: Actor, overrides: Record<string, unknown> = {}) => ({
  taskId: await seedTask(student.user.id),
  studentId: student.user.id,
  description: 'Payment for research paper assistance',
  items: [
    { description: 'Research and writing', amount: 200 },
    { description: 'Formatting and citations', amount: 50.25 },
  ],
  dueDate: inDays(7),
  notes: 'Payment terms and conditions',
  ...overrides,
});
async function billFor(student: Actor, overrides: Record<string, unknown> = {}) {
  const res = await api.post('/bills', await billBody(student, overrides), { token: admin.token });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}
const getBill = async (actor: Actor, id: string) => (await api.get(`/bills/${id}`, { token: actor.token })).body.data;
const intentFor = (student: Actor, billId: string, body: Record<string, unknown> = { currency: 'usd' }) => api.post(`/bills/${billId}/payment-intent`, body, { token: student.token });
async function pay(student: Actor, billId: string, method = 'pm_card_visa') {
  const res = await intentFor(student, billId);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const intent = await stripe().paymentIntents.confirm(res.body.data.paymentIntentId, { payment_method: method }).catch((err) => err);
  return { intentId: res.body.data.paymentIntentId as string, confirmed: intent };
}
const history = async (actor: Actor, query = '') => (await api.get(`/payments/history?limit=100${query}`, { token: actor.token })).body.data;
const billStatus = (actor: Actor, id: string, status: string) => eventually(async () => (await getBill(actor, id)).status === status, 8000, `bill ${status}`);

describe('bills', () => {
  it('an admin bills a student: the total is the sum of the items in dollars, a total in the body is ignored, the student is told', async () => {
    const student = await seedStudent();

    const bill = await billFor(student, { total: 1 });
    const notices = await api.get('/notifications', { token: student.token });

    expect(bill).toMatchObject({ id: expect.stringMatching(/^bill_/), status: 'pending', total: 250.25, currency: 'usd', items: [{ amount: 200 }, { amount: 50.25 }], notes: 'Payment terms and conditions', paymentIntentId: null });
    expect(notices.body.data[0]).toMatchObject({ type: 'system', title: 'New bill', data: { billId: bill.id } });
  });

  it.each([
    ['items.0.amount', { items: [{ description: 'x', amount: 10.005 }] }],
    ['items.0.amount', { items: [{ description: 'x', amount: -5 }] }],
    ['items', { items: [] }],
    ['items', { items: [{ description: 'Too cheap', amount: 0.49 }] }],
    ['dueDate', { dueDate: '2020-01-01T00:00:00Z' }],
    ['currency', { currency: 'btc' }],
  ])('refuses a bad %s with 400 naming it', async (field, overrides) => {
    const student = await seedStudent();
    const res = await api.post('/bills', await billBody(student, overrides), { token: admin.token });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field } });
  });

  it("refuses a task that is not the student's", async () => {
    const [student, other] = await Promise.all([seedStudent(), seedStudent()]);
    const res = await api.post('/bills', await billBody(student, { taskId: await seedTask(other.user.id) }), { token: admin.token });
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('taskId');
  });

  it('students cannot create, edit or cancel bills (403); another student can neither read a bill nor ask for its intent (404)', async () => {
    const [student, other] = await Promise.all([seedStudent(), seedStudent()]);
    const bill = await billFor(student);

    expect((await api.post('/bills', await billBody(student), { token: student.token })).status).toBe(403);
    expect((await api.put(`/bills/${bill.id}`, { description: 'cheaper' }, { token: student.token })).status).toBe(403);
    expect((await api.del(`/bills/${bill.id}`, undefined, { token: student.token })).status).toBe(403);
    expect((await api.get(`/bills/${bill.id}`, { token: other.token })).status).toBe(404);
    expect((await intentFor(other, bill.id)).status).toBe(404);
    expect((await api.get('/bills?limit=100', { token: other.token })).body.data.map((b: { id: string }) => b.id)).not.toContain(bill.id);
  });

  it('lists a student\'s own bills, and for admins all or one student\'s, by status', async () => {
    const [student, other] = await Promise.all([seedStudent(), seedStudent()]);
    const [a, b] = [await billFor(student), await billFor(student)];
    const c = await billFor(other);
    await api.del(`/bills/${b.id}`, undefined, { token: admin.token });

    const ids = async (actor: Actor, q: string) => (await api.get(`/bills?limit=100${q}`, { token: actor.token })).body.data.map((x: { id: string }) => x.id);
    expect(await ids(student, '')).toEqual([b.id, a.id]);
    expect(await ids(student, '&status=cancelled')).toEqual([b.id]);
    expect(await ids(admin, `&studentId=${student.user.id}&status=pending`)).toEqual([a.id]);
    expect(await ids(admin, '')).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
    expect(await ids(admin, '&status=pending')).toEqual(expect.arrayContaining([a.id, c.id]));
    expect(await ids(admin, '&status=pending')).not.toContain(b.id);
    expect((await api.get(`/bills?studentId=${other.user.id}`, { token: student.token })).status).toBe(403);
  });

  it('turns overdue at its due date (the schedule fires), reminds the student, and a future due date makes it pending again', async () => {
    const student = await seedStudent();
    const bill = await billFor(student, { dueDate: new Date(Date.now() + 2000).toISOString() });

    await billStatus(student, bill.id, 'overdue');
    const notices = (await api.get('/notifications', { token: student.token })).body.data;
    const moved = await api.put(`/bills/${bill.id}`, { dueDate: inDays(3) }, { token: admin.token });

    expect(notices[0]).toMatchObject({ title: 'Bill overdue', data: { billId: bill.id } });
    expect(moved.body.data.status).toBe('pending');
  });

  it('a moved due date moves the schedule: the old date passes without effect', async () => {
    const student = await seedStudent();
    const bill = await billFor(student, { dueDate: new Date(Date.now() + 1500).toISOString() });

    await api.put(`/bills/${bill.id}`, { dueDate: inDays(5) }, { token: admin.token });
    await new Promise((r) => setTimeout(r, 2500));

    expect((await getBill(student, bill.id)).status).toBe('pending');
  });
});

describe('paying a bill with Stripe', () => {
  it('answers the client secret for the total in cents; asking again gives the same intent', async () => {
    const student = await seedStudent();
    const bill = await billFor(student);

    const first = await intentFor(student, bill.id, { currency: 'USD', customerEmail: 'someone@else.test' });
    const again = await intentFor(student, bill.id);
    const intent = await stripe().paymentIntents.retrieve(first.body.data.paymentIntentId);

    expect(first.body.data).toMatchObject({ clientSecret: expect.stringMatching(/^pi_.+_secret_/), amount: 25025, currency: 'usd', billId: bill.id });
    expect(again.body.data.paymentIntentId).toBe(first.body.data.paymentIntentId);
    expect(intent).toMatchObject({ amount: 25025, metadata: { billId: bill.id }, receipt_email: student.user.email });
  });

  it('refuses another currency (400) and a paid or cancelled bill (409)', async () => {
    const student = await seedStudent();
    const [bill, cancelled] = [await billFor(student), await billFor(student)];
    await api.del(`/bills/${cancelled.id}`, undefined, { token: admin.token });

    expect((await intentFor(student, bill.id, { currency: 'eur' })).status).toBe(400);
    expect((await intentFor(student, cancelled.id)).status).toBe(409);
  });

  it('a card payment marks the bill paid, records the payment, tells the student and admins, and counts the revenue', async () => {
    const student = await seedStudent();
    const bill = await billFor(student);
    const before = await readRevenue(getDb(), { granularity: 'total' });

    await pay(student, bill.id);
    await billStatus(student, bill.id, 'paid');
    const payments = await history(student);
    const notices = (await api.get('/notifications', { token: student.token })).body.data;
    const after = await readRevenue(getDb(), { granularity: 'total' });

    expect(payments).toEqual([expect.objectContaining({ billId: bill.id, status: 'succeeded', amount: 250.25, currency: 'usd', refundedAmount: null })]);
    expect(notices[0]).toMatchObject({ type: 'payment_received', data: { billId: bill.id } });
    expect((after[0]?.byCurrency.usd?.amountCents ?? 0) - (before[0]?.byCurrency.usd?.amountCents ?? 0)).toBe(25025);
    expect((await intentFor(student, bill.id)).status).toBe(409);
  });

  it('a declined card shows as a failed payment and leaves the bill payable with the same intent', async () => {
    const student = await seedStudent();
    const bill = await billFor(student);

    const { intentId, confirmed } = await pay(student, bill.id, 'pm_card_chargeDeclined');
    await eventually(async () => (await history(student))[0]?.status === 'failed', 5000, 'failed payment');
    const again = await intentFor(student, bill.id);

    expect(confirmed).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect((await history(student))[0]).toMatchObject({ status: 'failed', failureMessage: 'Your card was declined.' });
    expect((await getBill(student, bill.id)).status).toBe('pending');
    expect(again.body.data.paymentIntentId).toBe(intentId);
  });

  it('editing a bill cancels its open intent (shown as failed) and the next intent is for the new total', async () => {
    const student = await seedStudent();
    const bill = await billFor(student);
    const first = (await intentFor(student, bill.id)).body.data;

    const edited = await api.put(`/bills/${bill.id}`, { items: [{ description: 'Only the writing', amount: 120 }] }, { token: admin.token });
    const second = (await intentFor(student, bill.id)).body.data;
    await eventually(async () => (await history(student)).some((p: { paymentIntentId: string; status: string }) => p.paymentIntentId === first.paymentIntentId && p.status === 'failed'));

    expect(edited.body.data).toMatchObject({ total: 120, paymentIntentId: null });
    expect((await stripe().paymentIntents.retrieve(first.paymentIntentId)).status).toBe('canceled');
    expect(second).toMatchObject({ amount: 12000 });
    expect(second.paymentIntentId).not.toBe(first.paymentIntentId);
  });

  it('a payment that is processing blocks an edit with 409 saying why', async () => {
    const student = await seedStudent();
    const bill = await billFor(student);
    await pay(student, bill.id, 'pm_emulator_processing');

    const res = await api.put(`/bills/${bill.id}`, { description: 'changed' }, { token: admin.token });

    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/processing/);
  });

  it('a full refund cancels the bill and takes the revenue away; a partial one shows on bill and payment', async () => {
    const student = await seedStudent();
    const [partial, full] = [await billFor(student), await billFor(student)];
    const paidPartial = await pay(student, partial.id);
    const paidFull = await pay(student, full.id);
    await billStatus(student, partial.id, 'paid');
    await billStatus(student, full.id, 'paid');
    const before = await readRevenue(getDb(), { granularity: 'total' });

    await stripe().refunds.create({ payment_intent: paidPartial.intentId, amount: 5025 });
    await stripe().refunds.create({ payment_intent: paidFull.intentId });
    await billStatus(student, full.id, 'cancelled');
    await eventually(async () => (await getBill(student, partial.id)).refundedAmount === 50.25);
    const after = await readRevenue(getDb(), { granularity: 'total' });
    const payments = await history(student);

    expect(await getBill(student, partial.id)).toMatchObject({ status: 'paid', refundedAmount: 50.25, refundedAt: expect.any(String) });
    expect(await getBill(student, full.id)).toMatchObject({ status: 'cancelled', refundedAmount: 250.25 });
    expect(payments.find((p: { billId: string }) => p.billId === full.id)).toMatchObject({ status: 'succeeded', refundedAmount: 250.25 });
    expect(before[0].byCurrency.usd!.amountCents - after[0].byCurrency.usd!.amountCents).toBe(5025 + 25025);
  });

  it('filters the history by status and dates; admins see everyone\'s', async () => {
    const student = await seedStudent();
    const bill = await billFor(student);
    await pay(student, bill.id);
    await billStatus(student, bill.id, 'paid');

    expect(await history(student, '&status=succeeded')).toHaveLength(1);
    expect(await history(student, '&status=pending')).toHaveLength(0);
    expect(await history(student, '&dateTo=2020-01-01')).toHaveLength(0);
    expect(await history(student, `&dateFrom=${new Date().toISOString().slice(0, 10)}`)).toHaveLength(1);
    expect((await history(admin, '&status=succeeded')).map((p: { billId: string }) => p.billId)).toContain(bill.id);
    expect((await api.get('/payments/history?dateFrom=2025-02-01&dateTo=2025-01-01', { token: student.token })).status).toBe(400);
  });
});

describe('POST /webhook/stripe', () => {
  const signed = (payload: string, secret = process.env.STRIPE_WEBHOOK_SECRET!, timestamp?: number) =>
    Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp ? { timestamp } : {}) });
  const deliver = (payload: string, signature?: string) =>
    fetch(`${stack.apiUrl}/webhook/stripe`, { method: 'POST', headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) }, body: payload });

  async function succeededEvent(student: Actor, billId: string, overrides: Record<string, unknown> = {}) {
    const intentId = (await intentFor(student, billId)).body.data.paymentIntentId as string;
    const intent = await stripe().paymentIntents.retrieve(intentId);
    const event = { id: `evt_test_${Math.random().toString(36).slice(2)}`, object: 'event', type: 'payment_intent.succeeded', created: Math.floor(Date.now() / 1000), data: { object: { ...intent, status: 'succeeded', ...overrides } } };
    return JSON.stringify(event);
  }

  it.each([
    ['missing', undefined],
    ['wrong', 'wrong-secret'],
    ['stale', 'stale'],
  ])('refuses a %s signature with 400 and changes nothing', async (_what, kind) => {
    const student = await seedStudent();
    const bill = await billFor(student);
    const payload = await succeededEvent(student, bill.id);
    const signature = kind === undefined ? undefined : kind === 'stale' ? signed(payload, undefined, Math.floor(Date.now() / 1000) - 600) : signed(payload, 'whsec_not_ours');

    const res = await deliver(payload, signature);
    const body = await res.json();

    expect(res.status).toBe(400);
    expect(body).toMatchObject({ success: false, error: { code: 'VALIDATION_ERROR' } });
    expect((await getBill(student, bill.id)).status).toBe('pending');
  });

  it('three concurrent deliveries of one event give one payment and one revenue count', async () => {
    const student = await seedStudent();
    const bill = await billFor(student);
    const payload = await succeededEvent(student, bill.id);
    const before = await readRevenue(getDb(), { granularity: 'total' });

    const results = await Promise.all([1, 2, 3].map(() => deliver(payload, signed(payload))));
    const bodies = await Promise.all(results.map((r) => r.json()));
    const after = await readRevenue(getDb(), { granularity: 'total' });

    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(bodies.filter((b: any) => b.data.duplicate)).toHaveLength(2);
    expect((await getBill(student, bill.id)).status).toBe('paid');
    expect((after[0]?.byCurrency.usd?.payments ?? 0) - (before[0]?.byCurrency.usd?.payments ?? 0)).toBe(1);
  });

  it('a full refund that arrives before its success leaves the revenue unchanged and the bill cancelled', async () => {
    const student = await seedStudent();
    const bill = await billFor(student);
    const success = await succeededEvent(student, bill.id);
    const intent = JSON.parse(success).data.object;
    const cents = Math.round(bill.total * 100);
    const refund = JSON.stringify({
      id: `evt_test_refund_${Math.random().toString(36).slice(2)}`,
      object: 'event',
      type: 'charge.refunded',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: `ch_${intent.id}`, object: 'charge', payment_intent: intent.id, amount: cents, amount_refunded: cents, currency: 'usd', refunded: true, status: 'succeeded' } },
    });
    const before = await readRevenue(getDb(), { granularity: 'total' });

    expect((await deliver(refund, signed(refund))).status).toBe(200);
    expect((await deliver(success, signed(success))).status).toBe(200);
    const after = await readRevenue(getDb(), { granularity: 'total' });

    const usd = (r: typeof before) => r[0]?.byCurrency.usd ?? { amountCents: 0, payments: 0, refundedCents: 0 };
    expect(usd(after).amountCents - usd(before).amountCents).toBe(0);
    expect(usd(after).refundedCents - usd(before).refundedCents).toBe(cents);
    expect(await getBill(student, bill.id)).toMatchObject({ status: 'cancelled', refundedAmount: bill.total });
    expect((await history(student)).find((p: { paymentIntentId: string }) => p.paymentIntentId === intent.id)).toMatchObject({ status: 'succeeded', refundedAmount: bill.total });
  });

  it('a failure that arrives after the success does not undo the payment', async () => {
    const student = await seedStudent();
    const bill = await billFor(student);
    const success = await succeededEvent(student, bill.id);
    const parsed = JSON.parse(success);
    const failure = JSON.stringify({ ...parsed, id: `${parsed.id}_late`, type: 'payment_intent.payment_failed', data: { object: { ...parsed.data.object, status: 'requires_payment_method', last_payment_error: { message: 'late' } } } });

    await deliver(success, signed(success));
    const late = await deliver(failure, signed(failure));

    expect(late.status).toBe(200);
    expect((await getBill(student, bill.id)).status).toBe('paid');
    expect((await history(student))[0]).toMatchObject({ status: 'succeeded', failureMessage: null });
  });

  it('an amount that does not match the bill never marks it paid', async () => {
    const student = await seedStudent();
    const bill = await billFor(student);
    const payload = await succeededEvent(student, bill.id, { amount: 100 });

    const res = await deliver(payload, signed(payload));

    expect(res.status).toBe(200);
    expect((await getBill(student, bill.id)).status).toBe('pending');
  });

  it('answers 200 to event types it does not act on, and the function URL takes the same events', async () => {
    const payload = JSON.stringify({ id: 'evt_ignored', object: 'event', type: 'customer.created', data: { object: { id: 'cus_1', object: 'customer' } } });

    const viaApi = await deliver(payload, signed(payload));
    const viaUrl = await fetch(`${stack.gatewayUrl}/_function-url/webhook/`, { method: 'POST', headers: { 'stripe-signature': signed(payload) }, body: payload });

    expect(viaApi.status).toBe(200);
    expect(viaUrl.status).toBe(200);
  });

  it('a success that Stripe settles after the bill was cancelled is refunded in full, through Stripe', async () => {
    const student = await seedStudent();
    const bill = await billFor(student);
    const { intentId } = await pay(student, bill.id, 'pm_emulator_processing');
    // The race: the bill is cancelled (here written straight to the table, since the API refuses to cancel a bill
    // whose payment is processing) just before the bank settles the payment.
    const db = getDb();
    await db.doc.send(new UpdateCommand({ TableName: db.tableName, Key: billKeys.bill(bill.id), UpdateExpression: 'SET #s = :c', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':c': 'cancelled' } }));

    const settled = await fetch(`${process.env.STRIPE_API_URL}/_emulator/payment_intents/${intentId}/settle`, { method: 'POST', headers: { authorization: `Bearer ${process.env.STRIPE_SECRET_KEY}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'outcome=succeeded' });
    expect(settled.status).toBe(200);

    // The webhook refunds it; Stripe's charge.refunded then shows the refund on the payment.
    await eventually(async () => (await history(student)).find((p: { paymentIntentId: string }) => p.paymentIntentId === intentId)?.refundedAmount === bill.total, 10_000, 'payment refunded');
    expect((await getBill(student, bill.id)).status).toBe('cancelled');
  });

  it('a success for a cancelled bill is refunded automatically', async () => {
    const student = await seedStudent();
    const bill = await billFor(student);
    const payload = await succeededEvent(student, bill.id);
    const intentId = JSON.parse(payload).data.object.id;
    await api.del(`/bills/${bill.id}`, undefined, { token: admin.token });
    // The intent was cancelled with the bill; Stripe can still report a success that raced the cancel.
    await deliver(payload, signed(payload));

    expect((await getBill(student, bill.id)).status).toBe('cancelled');
    expect((await history(student)).find((p: { paymentIntentId: string }) => p.paymentIntentId === intentId)).toMatchObject({ status: 'succeeded' });
  });
});
