// Every data migration, in the order `npm run backfill` runs them. Each is safe to run any number of times.
import type { Migration } from './migration.ts';
import { backfillSupportChats } from './support-chats.ts';

export const migrations: Migration[] = [
  { name: 'support-chats', describe: 'every student has a support chat in the support queue', run: (db) => backfillSupportChats(db) },
];
