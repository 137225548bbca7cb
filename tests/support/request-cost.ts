// What a request costs in DynamoDB: counts the commands the stack's document client sends and the items its
// Queries read (ScannedCount), for tests that pin a list page to one Query of limit+1 items.
import { vi } from 'vitest';
import { getDb } from '../../shared/db/client.ts';

export function countDbRequests() {
  const db = getDb();
  const send = db.doc.send.bind(db.doc);
  const counted: Record<string, number> = {};
  let itemsRead = 0;
  const spy = vi.spyOn(db.doc, 'send').mockImplementation((async (command: { constructor: { name: string }; input?: { Key?: { pk?: string } } }) => {
    const out = await send(command as never);
    // The mailer (a function of its own in AWS, in this process locally) sends the request's mail from the
    // table's stream after the request: its reads and marks of OUTBOX# items are not the request's cost.
    if (command.input?.Key?.pk?.startsWith('OUTBOX#')) return out;
    const name = command.constructor.name.replace(/Command$/, '');
    counted[name] = (counted[name] ?? 0) + 1;
    itemsRead += (out as { ScannedCount?: number }).ScannedCount ?? 0;
    return out;
  }) as never);
  return { counted, itemsRead: () => itemsRead, restore: () => spy.mockRestore() };
}
