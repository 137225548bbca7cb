// Every data migration, in the order `npm run backfill` runs them. Each is safe to run any number of times.
import type { Migration } from './migration.ts';
import { backfillSupportChats } from './support-chats.ts';
import { migrateDeliverableStatuses } from './deliverable-statuses.ts';
import { backfillTaskListKeys } from './task-list-keys.ts';
import { backfillTaskCategories, backfillUserRegistrations } from './analytics-counters.ts';

export const migrations: Migration[] = [
  { name: 'support-chats', describe: 'every student has a support chat in the support queue', run: (db) => backfillSupportChats(db) },
  { name: 'deliverable-statuses', describe: 'deliverable statuses in spec values (approved -> completed, submitted -> in_progress awaiting approval)', run: migrateDeliverableStatuses },
  { name: 'task-list-keys', describe: 'cancelled tasks leave the default task lists', run: backfillTaskListKeys },
  { name: 'task-categories', describe: 'tasks by type and subject, and completion durations, for tasks older than those counters', run: (db) => backfillTaskCategories(db) },
  { name: 'user-registrations', describe: 'registrations per month for users older than that counter', run: (db) => backfillUserRegistrations(db) },
];
