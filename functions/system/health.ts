// Health probes: one cheap keyed read on the table and a HeadBucket on the bucket, timed.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '#shared/db/client.ts';
import type { Storage } from '#shared/storage/s3.ts';

export interface Check {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

async function timed(probe: () => Promise<unknown>): Promise<Check> {
  const started = performance.now();
  try {
    await probe();
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), error: (err as Error).name };
  }
}

export async function checkHealth(db: Db, storage: Storage, now: Date) {
  const [database, storageCheck] = await Promise.all([
    timed(() => db.doc.send(new GetCommand({ TableName: db.tableName, Key: { pk: 'HEALTH', sk: 'HEALTH' } }))),
    timed(() => storage.s3.headBucket({ Bucket: storage.bucket })),
  ]);
  const ok = database.ok && storageCheck.ok;
  return { status: ok ? ('ok' as const) : ('degraded' as const), time: now.toISOString(), checks: { database, storage: storageCheck } };
}
