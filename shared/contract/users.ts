// Routes of the users endpoint group.
import type { RouteDef } from '../http/contract.ts';

export const usersRoutes = {} satisfies Record<string, RouteDef>;
