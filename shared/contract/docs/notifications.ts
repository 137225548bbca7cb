// Documentation of the notifications routes (see ./index.ts).
import type { RouteDoc } from '../../http/openapi.ts';

export const notificationsDocs: Record<string, RouteDoc> = {};
