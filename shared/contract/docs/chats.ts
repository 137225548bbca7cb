// Documentation of the chats routes (see ./index.ts).
import type { RouteDoc } from '../../http/openapi.ts';

export const chatsDocs: Record<string, RouteDoc> = {};
