// Routes of the files endpoint group.
import type { RouteDef } from '../http/contract.ts';

export const filesRoutes = {} satisfies Record<string, RouteDef>;
