// Documentation of the reference routes (see ./index.ts).
import type { RouteDoc } from '../../http/openapi.ts';

export const referenceDocs: Record<string, RouteDoc> = {};
