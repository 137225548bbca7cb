// `npm run backfill [-- --table T] [--region R]`: brings the items already in a table up to what the code
// expects (every migration in shared/db/migrations, in order). Safe to run any number of times; `npm start`
// runs it on the local table at every start, and docs/deploy.md has operators run it after each deploy.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Db } from '../shared/db/client.ts';
import { migrations } from '../shared/db/migrations/index.ts';
import type { MigrationResult } from '../shared/db/migrations/migration.ts';
import { tableTarget, UsageError } from './table-target.ts';

const USAGE = 'Usage: npm run backfill [-- --table <table> [--region <region>]]';

export interface BackfillReport {
  where: string;
  results: ({ name: string } & MigrationResult)[];
}

/** Runs every migration against `db`, in order; each one's counts. */
export async function runMigrations(db: Db, now = new Date()): Promise<BackfillReport['results']> {
  const results: BackfillReport['results'] = [];
  for (const migration of migrations) results.push({ name: migration.name, ...(await migration.run(db, now)) });
  return results;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<BackfillReport> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { table: { type: 'string' }, region: { type: 'string' } }, strict: true }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const { db, where } = tableTarget(values, env);
  try {
    return { where, results: await runMigrations(db) };
  } finally {
    db.doc.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main(process.argv.slice(2)).then(
    ({ where, results }) => {
      console.log(`Backfill of ${where}:`);
      for (const r of results) console.log(`  ${r.name.padEnd(24)} examined ${r.examined}, changed ${r.changed}`);
    },
    (err) => {
      console.error(err instanceof UsageError ? err.message : err);
      process.exitCode = 1;
    },
  );
}
