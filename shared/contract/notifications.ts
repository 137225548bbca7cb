// Routes of the notifications endpoint group.
import type { RouteDef } from '../http/contract.ts';

export const notificationsRoutes = {} satisfies Record<string, RouteDef>;
