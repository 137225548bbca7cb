// Partnership requests: a student submits (identity from the account, at most five pending, a referral code
// that must exist), students read their own and admins all, the owner cancels while pending.
import type { Db } from '#shared/db/client.ts';
import type { AuthUser } from '#shared/auth/tokens.ts';
import type { ListPartnershipRequestsQuery, PartnershipRequestView, SubmitPartnershipRequestBody } from '#shared/contract/partnership.ts';
import type * as z from '#shared/zod.ts';
import { cancellationReasons } from '#shared/db/errors.ts';
import { transact } from '#shared/db/transact.ts';
import { batchGetInOrder } from '#shared/db/batch.ts';
import { queryPage, type Page } from '#shared/db/query.ts';
import { getUserById, getUserIdByReferralCode, referralCounterUpdate } from '#shared/db/entities/user.ts';
import {
  MAX_PENDING_PARTNERSHIP_REQUESTS,
  allEntryKeys,
  entryDeletes,
  entryPuts,
  fromRequestItem,
  getPartnershipRequest,
  partnershipKeys,
  pendingCounterUpdate,
  toRequestItem,
  type PartnershipRequest,
} from '#shared/db/entities/partnership-request.ts';
import { conflict, notFound, validationError } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';

type ListQuery = z.infer<typeof ListPartnershipRequestsQuery>;

/** The spec's request object: every field, `null` where nothing was given. */
export function requestView(r: PartnershipRequest): PartnershipRequestView {
  return {
    id: r.id,
    userId: r.userId,
    userName: r.userName,
    userEmail: r.userEmail,
    userAvatar: r.userAvatar ?? null,
    requestType: r.requestType,
    subject: r.subject,
    description: r.description,
    urgency: r.urgency,
    preferredContactMethod: r.preferredContactMethod,
    availabilitySchedule: r.availabilitySchedule ?? null,
    additionalNotes: r.additionalNotes ?? null,
    school: r.school ?? null,
    year: r.year ?? null,
    course: r.course ?? null,
    motivation: r.motivation,
    experience: r.experience ?? null,
    socialMedia: r.socialMedia ?? null,
    referralCode: r.referralCode ?? null,
    status: r.status,
    submittedDate: r.submittedDate,
    reviewedDate: r.reviewedDate ?? null,
    reviewedBy: r.reviewedBy ?? null,
    rejectionReason: r.rejectionReason ?? null,
    reviewNote: r.reviewNote ?? null,
    assignedAdmin: r.assignedAdmin ?? null,
    estimatedResponse: r.estimatedResponse ?? null,
    updatedAt: r.updatedAt,
  };
}

/**
 * Writes the request, its 8 list entries and the pending count (+1, only below five) in one transaction,
 * and, when the referral code is another user's, that user's referral count. A code nobody owns is a 400.
 */
export async function submitPartnershipRequest(db: Db, actor: AuthUser, body: SubmitPartnershipRequestBody, now: Date): Promise<PartnershipRequest> {
  const [account, referrerId] = await Promise.all([
    getUserById(db, actor.id, { consistent: true }),
    body.referralCode ? getUserIdByReferralCode(db, body.referralCode) : Promise.resolve(undefined),
  ]);
  if (!account) throw notFound('User');
  if (body.referralCode && !referrerId) throw validationError('referralCode', 'is not the referral code of any user', 'Unknown referral code');
  const at = now.toISOString();
  const { referralCode, ...fields } = body;
  const request: PartnershipRequest = {
    ...fields,
    id: newId('preq', now),
    userId: account.id,
    userName: account.name,
    userEmail: account.email,
    ...(account.avatar ? { userAvatar: account.avatar } : {}),
    ...(referralCode ? { referralCode: referralCode.toUpperCase() } : {}),
    // The caller's own code is accepted (the frontend may send it) but refers nobody.
    ...(referrerId && referrerId !== account.id ? { referrerId } : {}),
    status: 'pending',
    submittedDate: at,
    updatedAt: at,
  };
  const items = [
    { Put: { TableName: db.tableName, Item: toRequestItem(request), ConditionExpression: 'attribute_not_exists(pk)' } },
    pendingCounterUpdate(db.tableName, account.id, 1),
    ...entryPuts(db.tableName, request, allEntryKeys(request)),
    ...(request.referrerId ? [referralCounterUpdate(db.tableName, request.referrerId, 'requests')] : []),
  ];
  try {
    await transact(db, items);
  } catch (err) {
    const reasons = cancellationReasons(err);
    if (reasons?.[1] === 'ConditionalCheckFailed') {
      throw conflict(`You already have ${MAX_PENDING_PARTNERSHIP_REQUESTS} pending partnership requests; wait for a decision or cancel one`, {
        maxPending: MAX_PENDING_PARTNERSHIP_REQUESTS,
      });
    }
    // The referrer's account went away between the code lookup and the write.
    if (request.referrerId && reasons?.[items.length - 1] === 'ConditionalCheckFailed') throw validationError('referralCode', 'is not the referral code of any user', 'Unknown referral code');
    throw err;
  }
  return request;
}

/** The request for its student or an admin; everyone else, and a cancelled request, is a 404. */
export async function loadRequestFor(db: Db, actor: AuthUser, requestId: string): Promise<PartnershipRequest> {
  const request = await getPartnershipRequest(db, requestId);
  if (!request || (actor.role !== 'admin' && request.userId !== actor.id)) throw notFound('Partnership request');
  return request;
}

/**
 * One page, newest first: the list entries of the caller's scope (admins: all; students: their own) narrowed
 * by status and urgency (each combination is its own partition), `search` a filter on the entries; then one
 * BatchGet of the requests. `page` skips entries inside the same Query; both draw from the request's read budget.
 */
export async function listPartnershipRequests(db: Db, actor: AuthUser, query: ListQuery): Promise<Page<PartnershipRequest>> {
  const scope = actor.role === 'admin' ? ({ kind: 'all' } as const) : ({ kind: 'user', userId: actor.id } as const);
  const search = query.search?.toLowerCase();
  const page = await queryPage(
    db,
    {
      partition: { name: 'pk', value: partnershipKeys.listPartition(scope, query.status, query.urgency) },
      ascending: false,
      filter: search
        ? { FilterExpression: 'contains(#searchText, :search)', ExpressionAttributeNames: { '#searchText': 'searchText' }, ExpressionAttributeValues: { ':search': search } }
        : undefined,
    },
    { limit: query.limit, cursor: query.cursor, page: query.page },
    (item) => item.requestId as string,
  );
  // A request cancelled between the two reads is left out rather than shown.
  const items = (await batchGetInOrder(db, page.items, partnershipKeys.request, fromRequestItem)).filter((r) => !r.cancelledAt);
  return { items, nextCursor: page.nextCursor };
}

/**
 * The owner's cancel, while pending: the request gets `cancelledAt` (kept for the record, status stays
 * `pending`, the spec's only values), its list entries go and the pending count drops, in one transaction
 * conditional on it still being pending. Referral counts stay: the referral happened.
 */
export async function cancelPartnershipRequest(db: Db, actor: AuthUser, requestId: string, now: Date): Promise<void> {
  const request = await getPartnershipRequest(db, requestId);
  if (!request || request.userId !== actor.id) throw notFound('Partnership request');
  if (request.status !== 'pending') throw conflict(`Only a pending request can be cancelled; this one is ${request.status}`, { currentStatus: request.status });
  try {
    await transact(db, [
          {
            Update: {
              TableName: db.tableName,
              Key: partnershipKeys.request(request.id),
              UpdateExpression: 'SET cancelledAt = :now, updatedAt = :now',
              ConditionExpression: '#status = :pending AND attribute_not_exists(cancelledAt)',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: { ':now': now.toISOString(), ':pending': 'pending' },
            },
          },
          pendingCounterUpdate(db.tableName, request.userId, -1),
          ...entryDeletes(db.tableName, allEntryKeys(request)),
    ]);
  } catch (err) {
    if (cancellationReasons(err)?.[0] !== 'ConditionalCheckFailed') throw err;
    // Reviewed or cancelled meanwhile: say which.
    const current = await getPartnershipRequest(db, request.id);
    if (!current) throw notFound('Partnership request');
    throw conflict(`Only a pending request can be cancelled; this one is ${current.status}`, { currentStatus: current.status });
  }
}
