// A data migration run by `npm run backfill`: idempotent, Query-only (no Scan), conditional writes.
import type { Db } from '../client.ts';

export interface MigrationResult {
  /** Items looked at. */
  examined: number;
  /** Items written; 0 on a second run. */
  changed: number;
}

export interface Migration {
  name: string;
  describe: string;
  run: (db: Db, now: Date) => Promise<MigrationResult>;
}
