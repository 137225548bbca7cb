// Documentation of the auth routes (see ./index.ts).
import type { RouteDoc } from '../../http/openapi.ts';

export const authDocs: Record<string, RouteDoc> = {};
