// Reads the local outbox folder (MAIL_OUTBOX_DIR) the file mailer writes: what the local stack and the tests
// see as "sent mail". Every message written so far, oldest first.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutboxMessage } from './mailer.ts';

export async function readOutbox(directory: string): Promise<OutboxMessage[]> {
  let names: string[];
  try {
    names = (await readdir(directory)).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(directory, n), 'utf8')) as OutboxMessage));
}

/** Messages sent to `to` (case-insensitive), oldest first. */
export async function outboxFor(directory: string, to: string): Promise<OutboxMessage[]> {
  return (await readOutbox(directory)).filter((m) => m.to.toLowerCase() === to.toLowerCase());
}
