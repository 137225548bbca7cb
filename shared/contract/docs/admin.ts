// Documentation of the admin routes (see ./index.ts).
import type { RouteDoc } from '../../http/openapi.ts';

export const adminDocs: Record<string, RouteDoc> = {};
