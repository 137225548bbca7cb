// Routes of the admin endpoint group.
import type { RouteDef } from '../http/contract.ts';

export const adminRoutes = {} satisfies Record<string, RouteDef>;
