// Routes of the auth endpoint group.
import type { RouteDef } from '../http/contract.ts';

export const authRoutes = {} satisfies Record<string, RouteDef>;
