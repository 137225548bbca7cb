// Who hears of a partnership request: every active admin of a new one, the student of the decision. Each
// goes through notify() (stored, pushed live as notification.new, e-mailed as the preferences allow) after
// the change committed; a failed notice is logged and never undoes the change.
import type { Db } from '#shared/db/client.ts';
import type { Logger } from '#shared/log.ts';
import { listActiveAdminIds } from '#shared/db/entities/user.ts';
import type { PartnershipRequest } from '#shared/db/entities/partnership-request.ts';
import type { NotifyInput } from '#shared/notify/notify.ts';

export interface PartnershipNoticeDeps {
  db: Db;
  notify(input: NotifyInput): Promise<unknown>;
  log: Logger;
}

const requestTypeLabel: Record<PartnershipRequest['requestType'], string> = {
  academic_help: 'academic help',
  tutoring: 'tutoring',
  consultation: 'consultation',
};


async function sendAll(deps: PartnershipNoticeDeps, notices: NotifyInput[], what: string): Promise<void> {
  const failed = (await Promise.allSettled(notices.map((n) => deps.notify(n)))).filter((r) => r.status === 'rejected');
  if (failed.length) deps.log.error(`${failed.length} of ${notices.length} ${what} notices failed`, { error: (failed[0] as PromiseRejectedResult).reason });
}

/** Every active admin is told of a new request. */
export async function announceNewRequest(deps: PartnershipNoticeDeps, request: PartnershipRequest): Promise<void> {
  const admins = await listActiveAdminIds(deps.db);
  const notices = admins.map((userId) => ({
    userId,
    type: 'system' as const,
    title: 'New partnership request',
    message: `${request.userName} asks for ${requestTypeLabel[request.requestType]} in ${request.subject} (urgency ${request.urgency}).`,
    data: { partnershipRequestId: request.id, urgency: request.urgency },
    link: `/admin/partnership-requests/${request.id}`,
  }));
  await sendAll(deps, notices, 'new-request');
}

/** The student is told of the decision, with the reason of a rejection. */
export async function announceDecision(deps: PartnershipNoticeDeps, request: PartnershipRequest): Promise<void> {
  const approved = request.status === 'approved';
  await sendAll(
    deps,
    [
      {
        userId: request.userId,
        type: 'system',
        title: approved ? 'Partnership request approved' : 'Partnership request declined',
        message: approved
          ? `Your ${requestTypeLabel[request.requestType]} request in ${request.subject} was approved.${request.estimatedResponse ? ` Expect a response within ${request.estimatedResponse}.` : ''}`
          : `Your ${requestTypeLabel[request.requestType]} request in ${request.subject} was declined. Reason: ${request.rejectionReason}`,
        data: { partnershipRequestId: request.id, status: request.status },
        link: `/partnership-requests/${request.id}`,
      },
    ],
    'decision',
  );
}
