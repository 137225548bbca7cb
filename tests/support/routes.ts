// Contract-walking helpers for tests that exercise every route: a concrete path that gets past the path
// check, and the token of a caller the route's guard lets in.
import type * as z from 'zod/mini';
import type { RouteDef } from '../../shared/http/contract.ts';
import { newId, type IdPrefix } from '../../shared/ids.ts';
import type { Actor } from './users.ts';

const PREFIXES: IdPrefix[] = ['user', 'task', 'deliv', 'file', 'chat', 'msg', 'notif', 'ann', 'bill', 'pay', 'meet', 'preq', 'req'];

/** The route's path with a well-formed (unknown) id in each parameter, so a request reaches the query and body checks. */
export function concretePath(route: RouteDef): string {
  return route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const field = (route.params as z.ZodMiniObject | undefined)?.shape?.[name] as z.ZodMiniType | undefined;
    return PREFIXES.map((p) => newId(p)).find((candidate) => field?.safeParse(candidate).success) ?? 'x';
  });
}

/** A token the route's guard accepts: none for public routes, the admin's for admin routes, else the student's. */
export function tokenFor(route: RouteDef, callers: { student: Actor; admin: Actor }): string | undefined {
  if (route.access === 'public') return undefined;
  return route.access === 'admin' ? callers.admin.token : callers.student.token;
}
