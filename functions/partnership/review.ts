// An admin's decision on a pending partnership request: `pending` moves once, to `approved` or `rejected`.
// The reviewer's name and the time come from the token and the clock, never from the body; racing admins
// get one winner (a conditional transaction) and a 409 naming the current status for the other.
import type { Db } from '#shared/db/client.ts';
import type { AuthUser } from '#shared/auth/tokens.ts';
import type { ReviewPartnershipRequestBody } from '#shared/contract/partnership.ts';
import { cancellationReasons } from '#shared/db/errors.ts';
import { transact } from '#shared/db/transact.ts';
import { getUserById } from '#shared/db/entities/user.ts';
import {
  entryDeletes,
  entryPuts,
  getPartnershipRequest,
  partnershipKeys,
  pendingCounterUpdate,
  statusEntryKeys,
  type PartnershipRequest,
} from '#shared/db/entities/partnership-request.ts';
import { conflict, notFound, validationError } from '#shared/errors.ts';

const alreadyReviewed = (current: PartnershipRequest) =>
  conflict(`This request was already reviewed: it is ${current.status}${current.reviewedBy ? ` (by ${current.reviewedBy})` : ''}`, {
    currentStatus: current.status,
    allowedStatuses: [],
  });

export async function reviewPartnershipRequest(db: Db, actor: AuthUser, requestId: string, body: ReviewPartnershipRequestBody, now: Date): Promise<PartnershipRequest> {
  const [request, reviewer, assignee] = await Promise.all([
    getPartnershipRequest(db, requestId),
    getUserById(db, actor.id, { consistent: true }),
    body.status === 'approved' && body.assignedAdmin ? getUserById(db, body.assignedAdmin, { consistent: true }) : Promise.resolve(undefined),
  ]);
  if (!request) throw notFound('Partnership request');
  if (!reviewer) throw notFound('User');
  if (request.status !== 'pending') throw alreadyReviewed(request);
  if (body.status === 'approved' && body.assignedAdmin && (!assignee || assignee.role !== 'admin' || assignee.status !== 'active')) {
    throw validationError('assignedAdmin', 'must be the user id of an active admin');
  }

  const at = now.toISOString();
  const decision: Partial<PartnershipRequest> =
    body.status === 'rejected'
      ? { rejectionReason: (body.rejectionReason ?? body.reason)! }
      : {
          ...(body.reason ? { reviewNote: body.reason } : {}),
          ...(body.assignedAdmin ? { assignedAdmin: body.assignedAdmin } : {}),
          ...(body.estimatedResponse ? { estimatedResponse: body.estimatedResponse } : {}),
        };
  const reviewed: PartnershipRequest = {
    ...request,
    ...decision,
    status: body.status,
    reviewedById: reviewer.id,
    reviewedBy: reviewer.name,
    reviewedDate: at,
    updatedAt: at,
  };
  const set = { ...decision, status: reviewed.status, reviewedById: reviewer.id, reviewedBy: reviewer.name, reviewedDate: at, updatedAt: at };
  const names = Object.fromEntries(Object.keys(set).map((k, i) => [`#f${i}`, k]));
  const values = Object.fromEntries(Object.values(set).map((v, i) => [`:v${i}`, v]));
  try {
    await transact(db, [
          {
            Update: {
              TableName: db.tableName,
              Key: partnershipKeys.request(request.id),
              UpdateExpression: `SET ${Object.keys(set).map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
              ConditionExpression: '#status = :pending AND attribute_not_exists(cancelledAt)',
              ExpressionAttributeNames: { ...names, '#status': 'status' },
              ExpressionAttributeValues: { ...values, ':pending': 'pending' },
            },
          },
          pendingCounterUpdate(db.tableName, request.userId, -1),
          // The 4 entries of the lists narrowed by status move from `pending` to the decision.
          ...entryDeletes(db.tableName, statusEntryKeys(request, 'pending')),
          ...entryPuts(db.tableName, reviewed, statusEntryKeys(reviewed, reviewed.status)),
    ]);
  } catch (err) {
    if (cancellationReasons(err)?.[0] !== 'ConditionalCheckFailed') throw err;
    const current = await getPartnershipRequest(db, request.id);
    if (!current) throw notFound('Partnership request');
    throw alreadyReviewed(current);
  }
  return reviewed;
}
