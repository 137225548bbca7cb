// `npm start`: the whole API on this machine (DynamoDB Local, S3 emulator, HTTP + WebSocket gateway),
// with state under .local/ (LOCAL_STATE_DIR) and demo logins seeded on first run.
import { startLocalStack } from '../infra/local/stack.ts';
import { seedDemoData } from './seed.ts';
import { runMigrations } from './backfill.ts';
import { getDb } from '../shared/db/client.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.LOG_LEVEL ??= 'warn';

const stateDir = process.env.LOCAL_STATE_DIR ?? '.local';
const port = Number(process.env.PORT ?? 3001);

const stack = await startLocalStack({
  stateDir,
  port,
  persistent: true,
  // DynamoDB Local has no TTL process: expire items (and run what their expiry triggers) every minute.
  ttlSweepSeconds: 60,
  env: { CORS_ORIGINS: process.env.CORS_ORIGINS ?? '*' },
  onRequest: ({ method, path, status, ms }) => console.log(`${method} ${path} ${status} ${ms}ms`),
});

// Items written by an older version of the code (kept in .local/) are brought up to date first.
const backfill = await runMigrations(getDb());
const logins = await seedDemoData();

console.log(`
GradHelper local stack is up.
  HTTP API         ${stack.apiUrl}
  WebSocket API    ${stack.wsUrl}?token=<access token>
  DynamoDB Local   ${stack.dynamoEndpoint} (table ${stack.tableName})
  S3 emulator      ${stack.s3Endpoint} (bucket ${stack.bucketName})
  Scheduler API    ${stack.gatewayUrl}/schedules/{name} (one-time schedules, fired when due)
  Stripe           ${process.env.STRIPE_API_URL ? `emulator at ${process.env.STRIPE_API_URL}, events to ${stack.gatewayUrl}/_function-url/webhook/` : 'your Stripe account (STRIPE_SECRET_KEY); forward events with stripe listen (README)'}
  Mail outbox      ${stack.outboxDir}
  State folder     ${stack.stateDir}
  Backfill         ${backfill.map((r) => `${r.name}: ${r.changed} changed`).join(', ')}

Demo logins:
${logins.map((l) => `  ${l.role.padEnd(8)} ${l.email}  /  ${l.password}${l.created ? '' : '  (already existed)'}`).join('\n')}

Ctrl+C stops everything.`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await stack.stop();
    process.exit(0);
  });
}
