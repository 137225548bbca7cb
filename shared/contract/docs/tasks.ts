// Documentation of the tasks routes (see ./index.ts).
import type { RouteDoc } from '../../http/openapi.ts';

export const tasksDocs: Record<string, RouteDoc> = {};
