// Documentation of the meetings routes (see ./index.ts).
import type { RouteDoc } from '../../http/openapi.ts';

export const meetingsDocs: Record<string, RouteDoc> = {};
