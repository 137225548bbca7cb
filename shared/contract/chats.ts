// Routes of the chats endpoint group.
import type { RouteDef } from '../http/contract.ts';

export const chatsRoutes = {} satisfies Record<string, RouteDef>;
