// Documentation of the files routes (see ./index.ts).
import type { RouteDoc } from '../../http/openapi.ts';

export const filesDocs: Record<string, RouteDoc> = {};
