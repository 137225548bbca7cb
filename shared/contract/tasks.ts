// Routes of the tasks endpoint group.
import type { RouteDef } from '../http/contract.ts';

export const tasksRoutes = {} satisfies Record<string, RouteDef>;
