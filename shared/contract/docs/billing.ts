// Documentation of the billing routes (see ./index.ts).
import type { RouteDoc } from '../../http/openapi.ts';

export const billingDocs: Record<string, RouteDoc> = {};
