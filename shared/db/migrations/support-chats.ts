// Backfill: every student has exactly one support chat from sign-up on. Accounts made before sign-up created
// it get theirs here, dated from their sign-up; support chats made before the support queue existed get its
// keys. Idempotent: the support sentinel makes a second creation impossible, and the queue keys are written
// only where they are missing or stale, conditional on the chat not having moved meanwhile.
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../client.ts';
import { transactionItemFailed } from '../errors.ts';
import { chatKeys, getChatById, getSupportChatId, newSupportChat, supportChatWrites, supportQueueSortKey } from '../entities/chat.ts';
import { listUsersByRole, type User } from '../entities/user.ts';
import type { MigrationResult } from './migration.ts';

/** Walks every student (the role list, one Query page at a time) and gives each a queued support chat. */
export async function backfillSupportChats(db: Db): Promise<MigrationResult> {
  const result: MigrationResult = { examined: 0, changed: 0 };
  let cursor: string | undefined;
  do {
    const page = await listUsersByRole(db, { role: 'student' }, { limit: 100, cursor });
    for (const student of page.items) {
      result.examined++;
      if (await ensureSupportChat(db, student)) result.changed++;
    }
    cursor = page.nextCursor;
  } while (cursor);
  return result;
}

/** True when something was written for this student. */
async function ensureSupportChat(db: Db, student: User): Promise<boolean> {
  const chatId = await getSupportChatId(db, student.id);
  if (!chatId) {
    try {
      await db.doc.send(new TransactWriteCommand({ TransactItems: supportChatWrites(db.tableName, newSupportChat(student)) }));
      return true;
    } catch (err) {
      // The student opened it meanwhile (POST /chats/support): fall through and queue that one.
      if (!transactionItemFailed(err, 0)) throw err;
      return ensureSupportChat(db, student);
    }
  }
  const chat = await getChatById(db, chatId);
  if (!chat) return false;
  const queued = { ...chat, studentSignedUpAt: student.createdAt };
  const sortKey = supportQueueSortKey(queued);
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: chatKeys.chat(chat.id),
        UpdateExpression: 'SET gsi2pk = :queue, gsi2sk = :sk, studentSignedUpAt = :signedUp',
        // Only where missing or stale, and only if no message arrived since the read (it sets the key itself).
        ConditionExpression: 'messageSeq = :seq AND (attribute_not_exists(gsi2sk) OR gsi2sk <> :sk)',
        ExpressionAttributeValues: { ':queue': chatKeys.supportQueue().gsi2pk, ':sk': sortKey, ':signedUp': student.createdAt, ':seq': chat.messageSeq },
      }),
    );
    return true;
  } catch (err) {
    if ((err as Error).name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}
