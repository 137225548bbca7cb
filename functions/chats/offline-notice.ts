// A message for someone with no open socket becomes a notification (listed, and e-mailed if they allow it),
// so a student who closed the tab still hears that support answered.
import type { Chat } from '#shared/db/entities/chat.ts';
import type { NotifyInput } from '#shared/notify/notify.ts';
import type { Logger } from '#shared/log.ts';

export interface OfflineNoticeDeps {
  isConnected(userId: string): Promise<boolean>;
  notify(input: NotifyInput): Promise<unknown>;
  log: Logger;
}

const PREVIEW_LENGTH = 140;

/**
 * Explicit participants other than the sender who are offline get one `message` notification. Admins are
 * implicit participants of support chats and are not notified one by one: the support list's unread counts
 * are their inbox, and e-mailing the whole team per student message would be noise.
 */
export async function noticeOfflineRecipients(
  deps: OfflineNoticeDeps,
  chat: Pick<Chat, 'id' | 'participantIds'>,
  message: { id: string; senderId: string; senderName: string; content: string; type: string },
): Promise<string[]> {
  const recipients = chat.participantIds.filter((id) => id !== message.senderId);
  const noticed: string[] = [];
  await Promise.all(
    recipients.map(async (userId) => {
      try {
        if (await deps.isConnected(userId)) return;
        const text = message.content.trim() || (message.type === 'text' ? '' : `sent a ${message.type}`);
        await deps.notify({
          userId,
          type: 'message',
          title: `New message from ${message.senderName}`,
          message: text.length > PREVIEW_LENGTH ? `${text.slice(0, PREVIEW_LENGTH - 1)}…` : text,
          data: { chatId: chat.id, messageId: message.id },
          link: `/chats/${chat.id}`,
        });
        noticed.push(userId);
      } catch (err) {
        deps.log.warn('offline message notice failed', { chatId: chat.id, userId, error: err });
      }
    }),
  );
  return noticed;
}
