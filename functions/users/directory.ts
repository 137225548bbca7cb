// The admin's user directory: users of a role, newest first, with search and a status filter.
import type { Db } from '#shared/db/client.ts';
import type { Page } from '#shared/db/query.ts';
import { listUsersByRole, type User, type UserListFilter } from '#shared/db/entities/user.ts';

export interface DirectoryQuery {
  limit: number;
  cursor?: string;
  page?: number;
}

/**
 * One page of the directory. A `cursor` resumes where the previous page ended. The spec's `page` without a
 * cursor reads and skips the users before it (DynamoDB cannot jump to an offset). A page walk and a search
 * share one read budget per request (`LIST_READ_BUDGET`, see queryPage): past it the answer is a short page
 * with a `nextCursor` that continues, not more reads.
 */
export async function listDirectory(db: Db, filter: UserListFilter, query: DirectoryQuery): Promise<Page<User>> {
  return listUsersByRole(db, filter, { limit: query.limit, cursor: query.cursor, page: query.page });
}
