// The whole HTTP API: every endpoint group's routes. CDK, the local gateway and the tests enumerate this.
import type { FunctionName, RouteDef } from '../http/contract.ts';
import { systemRoutes } from './system.ts';
import { authRoutes } from './auth.ts';
import { usersRoutes } from './users.ts';
import { filesRoutes } from './files.ts';
import { tasksRoutes } from './tasks.ts';
import { deliverablesRoutes } from './deliverables.ts';
import { chatsRoutes } from './chats.ts';
import { notificationsRoutes } from './notifications.ts';
import { partnershipRoutes } from './partnership.ts';
import { meetingsRoutes } from './meetings.ts';
import { adminRoutes } from './admin.ts';
import { analyticsRoutes } from './analytics.ts';
import { billingRoutes, webhookRoutes } from './billing.ts';
import { reportsRoutes } from './reports.ts';
import { referenceRoutes } from './reference.ts';

export const contract: Record<FunctionName, Record<string, RouteDef>> = {
  system: systemRoutes,
  auth: authRoutes,
  users: usersRoutes,
  files: filesRoutes,
  tasks: tasksRoutes,
  deliverables: deliverablesRoutes,
  chats: chatsRoutes,
  notifications: notificationsRoutes,
  partnership: partnershipRoutes,
  billing: billingRoutes,
  webhook: webhookRoutes,
  meetings: meetingsRoutes,
  admin: adminRoutes,
  analytics: analyticsRoutes,
  reports: reportsRoutes,
  reference: referenceRoutes,
};

export const allRoutes: RouteDef[] = Object.values(contract).flatMap((routes) => Object.values(routes));

/** Endpoint groups that have at least one route (each becomes one Lambda). */
export const functionNames = (Object.keys(contract) as FunctionName[]).filter((fn) => Object.keys(contract[fn]).length > 0);
