// Documentation of the partnership routes (see ./index.ts).
import type { RouteDoc } from '../../http/openapi.ts';

export const partnershipDocs: Record<string, RouteDoc> = {};
