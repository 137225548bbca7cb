// Documentation of the users routes (see ./index.ts).
import type { RouteDoc } from '../../http/openapi.ts';

export const usersDocs: Record<string, RouteDoc> = {};
