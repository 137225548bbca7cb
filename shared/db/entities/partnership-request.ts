// The partnership request entity (spec: Partnership/Admin Requests): the request item, its list entries
// (one per list it is in, so every filter combination is one Query), and the per-student counter of pending
// requests. Keys and costs: docs/data-model.md, "Partnership requests".
//
//   PREQ#<id> / PREQ                                         the request (every field, the record of it)
//   PREQLIST#<scope>#<status|ANY>#<urgency|ANY> / <submittedDate>#<id>
//                                                            list entries: scope ALL (admins) or USER#<userId>
//                                                            (the student's own); 8 per request
//   USER#<userId> / PREQ#PENDING                             `count` of the student's pending requests (max 5)
import { GetCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';

export const PARTNERSHIP_REQUEST_TYPES = ['academic_help', 'tutoring', 'consultation'] as const;
export const PARTNERSHIP_URGENCIES = ['low', 'medium', 'high'] as const;
export const CONTACT_METHODS = ['email', 'phone', 'chat'] as const;
/** The spec: "Only `pending`, `approved`, `rejected` are valid." A cancelled request keeps `pending` and gets `cancelledAt`. */
export const PARTNERSHIP_STATUSES = ['pending', 'approved', 'rejected'] as const;

export type PartnershipRequestType = (typeof PARTNERSHIP_REQUEST_TYPES)[number];
export type PartnershipUrgency = (typeof PARTNERSHIP_URGENCIES)[number];
export type ContactMethod = (typeof CONTACT_METHODS)[number];
export type PartnershipStatus = (typeof PARTNERSHIP_STATUSES)[number];

/** At most this many pending requests per student; one more is a 409. */
export const MAX_PENDING_PARTNERSHIP_REQUESTS = 5;

/** Free-text fields the student fills in; the optional ones are absent when left empty. */
export interface PartnershipRequestFields {
  requestType: PartnershipRequestType;
  subject: string;
  description: string;
  urgency: PartnershipUrgency;
  preferredContactMethod: ContactMethod;
  motivation: string;
  availabilitySchedule?: string;
  additionalNotes?: string;
  school?: string;
  year?: string;
  course?: string;
  experience?: string;
  socialMedia?: string;
}

export interface PartnershipRequest extends PartnershipRequestFields {
  id: string;
  /** Identity, copied from the caller's account at submission (never from the body). */
  userId: string;
  userName: string;
  userEmail: string;
  userAvatar?: string;
  /** As sent (upper-cased); the code of an existing user. */
  referralCode?: string;
  /** The owner of `referralCode` when it is someone else's: the request counts as their referral. */
  referrerId?: string;
  status: PartnershipStatus;
  submittedDate: string;
  /** Review, set from the admin's token. */
  reviewedById?: string;
  reviewedBy?: string;
  reviewedDate?: string;
  rejectionReason?: string;
  /** An approval's note (`reason` on approve). */
  reviewNote?: string;
  assignedAdmin?: string;
  estimatedResponse?: string;
  /** Set by the owner's cancel: the record stays, no endpoint shows it again. */
  cancelledAt?: string;
  updatedAt: string;
}

export type ListScope = { kind: 'all' } | { kind: 'user'; userId: string };

const ANY = 'ANY';

export const partnershipKeys = {
  request: (id: string) => ({ pk: `PREQ#${id}`, sk: 'PREQ' }),
  /** One list: a scope, narrowed by status and/or urgency (ANY when not), newest first. */
  listPartition: (scope: ListScope, status?: PartnershipStatus, urgency?: PartnershipUrgency) =>
    `PREQLIST#${scope.kind === 'all' ? 'ALL' : `USER#${scope.userId}`}#${status ?? ANY}#${urgency ?? ANY}`,
  pendingCounter: (userId: string) => ({ pk: `USER#${userId}`, sk: 'PREQ#PENDING' }),
};

/** Lower-cased name, e-mail, school, course and subject: what `search` matches (a bounded filter). */
export function searchTextOf(r: Pick<PartnershipRequest, 'userName' | 'userEmail' | 'school' | 'course' | 'subject'>): string {
  return [r.userName, r.userEmail, r.school, r.course, r.subject].filter(Boolean).join(' ').toLowerCase();
}

export function toRequestItem(r: PartnershipRequest): Record<string, unknown> {
  return { ...partnershipKeys.request(r.id), entity: 'partnership_request', ...r };
}

export function fromRequestItem(item: Record<string, unknown>): PartnershipRequest {
  const { pk, sk, entity, ...request } = item;
  void pk, sk, entity;
  return request as unknown as PartnershipRequest;
}

/** The (status, urgency) narrowings of one scope a request with `status` sits in: both, either, neither. */
function narrowings(r: Pick<PartnershipRequest, 'urgency'>, status: PartnershipStatus): [PartnershipStatus | undefined, PartnershipUrgency | undefined][] {
  return [
    [undefined, undefined],
    [status, undefined],
    [undefined, r.urgency],
    [status, r.urgency],
  ];
}

const scopesOf = (r: Pick<PartnershipRequest, 'userId'>): ListScope[] => [{ kind: 'all' }, { kind: 'user', userId: r.userId }];

function entryKey(r: Pick<PartnershipRequest, 'id' | 'submittedDate'>, scope: ListScope, status?: PartnershipStatus, urgency?: PartnershipUrgency) {
  return { pk: partnershipKeys.listPartition(scope, status, urgency), sk: `${r.submittedDate}#${r.id}` };
}

/** Keys of the list entries that depend on `status` (the ones a status change moves): 4 of the 8. */
export function statusEntryKeys(r: PartnershipRequest, status: PartnershipStatus) {
  return scopesOf(r).flatMap((scope) =>
    narrowings(r, status)
      .filter(([s]) => s !== undefined)
      .map(([s, u]) => entryKey(r, scope, s, u)),
  );
}

/** Keys of every list entry of the request in `status`: 8. */
export function allEntryKeys(r: PartnershipRequest, status: PartnershipStatus = r.status) {
  return scopesOf(r).flatMap((scope) => narrowings(r, status).map(([s, u]) => entryKey(r, scope, s, u)));
}

/** A list entry: the request id and what `search` matches; the list reads the requests themselves by id. */
export function toEntryItem(r: PartnershipRequest, key: { pk: string; sk: string }): Record<string, unknown> {
  return { ...key, entity: 'partnership_request_entry', requestId: r.id, searchText: searchTextOf(r) };
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Puts of the list entries in `keys`, each only if absent. */
export function entryPuts(tableName: string, r: PartnershipRequest, keys: { pk: string; sk: string }[]): TransactItem[] {
  return keys.map((key) => ({ Put: { TableName: tableName, Item: toEntryItem(r, key), ConditionExpression: 'attribute_not_exists(pk)' } }));
}

export function entryDeletes(tableName: string, keys: { pk: string; sk: string }[]): TransactItem[] {
  return keys.map((Key) => ({ Delete: { TableName: tableName, Key } }));
}

/** Moves the student's pending count by `delta`; +1 only while below the maximum. */
export function pendingCounterUpdate(tableName: string, userId: string, delta: 1 | -1): TransactItem {
  return {
    Update: {
      TableName: tableName,
      Key: partnershipKeys.pendingCounter(userId),
      UpdateExpression: 'ADD #count :delta',
      ExpressionAttributeNames: { '#count': 'count' },
      ExpressionAttributeValues: delta > 0 ? { ':delta': 1, ':max': MAX_PENDING_PARTNERSHIP_REQUESTS } : { ':delta': -1 },
      ...(delta > 0 ? { ConditionExpression: 'attribute_not_exists(#count) OR #count < :max' } : {}),
    },
  };
}

/** The request, strongly consistent; cancelled requests are not returned (no endpoint shows them). */
export async function getPartnershipRequest(db: Db, id: string): Promise<PartnershipRequest | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.tableName, Key: partnershipKeys.request(id), ConsistentRead: true }));
  if (!out.Item) return undefined;
  const request = fromRequestItem(out.Item);
  return request.cancelledAt ? undefined : request;
}
