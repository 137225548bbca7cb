// What a route implementation may return besides plain data: a chosen status, a page, a redirect, raw bytes.
import type { Pagination } from './contract.ts';

export class HttpReply {
  constructor(
    readonly statusCode: number,
    readonly body: string | undefined,
    readonly headers: Record<string, string> = {},
    readonly isBase64Encoded = false,
  ) {}
}

const json = (status: number, payload: unknown, headers: Record<string, string> = {}) =>
  new HttpReply(status, JSON.stringify(payload), { 'Content-Type': 'application/json; charset=utf-8', ...headers });

export const reply = {
  /** `{ success: true, data }` with a status other than the route's default. */
  ok: (data: unknown, status = 200) => json(status, { success: true, data }),
  created: (data: unknown) => json(201, { success: true, data }),
  /** A list page: `{ success: true, data: [...], pagination: {...} }`. */
  page: (items: unknown[], pagination: Pagination) => json(200, { success: true, data: items, pagination }),
  redirect: (location: string, status = 302) => new HttpReply(status, undefined, { Location: location }),
  noContent: () => new HttpReply(204, undefined),
  bytes: (content: Buffer, contentType: string, headers: Record<string, string> = {}) =>
    new HttpReply(200, content.toString('base64'), { 'Content-Type': contentType, ...headers }, true),
  envelope: json,
};

/** Builds the spec's pagination object from a DynamoDB page. */
export function paginationOf(page: { nextCursor?: string }, query: { limit: number; page?: number }): Pagination {
  return {
    limit: query.limit,
    ...(query.page ? { page: query.page } : {}),
    nextCursor: page.nextCursor ?? null,
    hasMore: Boolean(page.nextCursor),
  };
}
