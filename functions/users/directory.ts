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
 * One page of the directory. A `cursor` resumes where the previous page ended (one Query, or a few with a
 * search). The spec's `page` without a cursor walks from the start, one page read per skipped page:
 * DynamoDB cannot jump to an offset, and the contract caps `page` at 50 so the walk stays bounded.
 */
export async function listDirectory(db: Db, filter: UserListFilter, query: DirectoryQuery): Promise<Page<User>> {
  const request = { limit: query.limit, cursor: query.cursor };
  if (!query.cursor && query.page && query.page > 1) {
    for (let skipped = 1; skipped < query.page; skipped++) {
      const skippedPage = await listUsersByRole(db, filter, request);
      if (!skippedPage.nextCursor) return { items: [] };
      request.cursor = skippedPage.nextCursor;
    }
  }
  return listUsersByRole(db, filter, request);
}
