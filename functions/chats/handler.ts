import { chatsRoutes } from '#shared/contract/chats.ts';
import { createHttpHandler } from '#shared/http/pipeline.ts';
import { paginationOf, reply } from '#shared/http/reply.ts';
import { getDb } from '#shared/db/client.ts';
import type { Logger } from '#shared/log.ts';
import { DomainMetric } from '#shared/observability/metric-names.ts';
import { defaultChatDeps } from './deps.ts';
import { getChatView, listChats, openChat, openSupportChat } from './chats.ts';
import { deleteMessage, editMessage, getMessageView, listMessages, markMessageRead, sendMessage } from './messages.ts';
import { getTyping, setTyping } from './typing.ts';

const deps = (log: Logger) => defaultChatDeps(log);

export const handler = createHttpHandler(chatsRoutes, {
  listChats: async ({ auth, query }) => {
    const page = await listChats(getDb(), auth, query);
    return reply.page(page.items, paginationOf(page, query));
  },
  openSupportChat: async ({ auth }) => {
    const { chat, created } = await openSupportChat(getDb(), auth, auth.id);
    return reply.ok(chat, created ? 201 : 200);
  },
  openChat: {
    run: async ({ auth, body, request }) => {
      const { chat, created } = await openChat(getDb(), auth, body, request.now);
      return reply.ok(chat, created ? 201 : 200);
    },
    replay: async ({ auth, resourceIds: [chatId] }) => getChatView(getDb(), auth, chatId),
  },
  getChat: async ({ auth, params }) => getChatView(getDb(), auth, params.chatId),
  listMessages: async ({ auth, params, query, request, log }) => {
    const page = await listMessages(deps(log), auth, params.chatId, query, request.now);
    return reply.page(page.items, paginationOf(page, query));
  },
  sendMessage: {
    run: async ({ auth, params, body, request, log, metrics }) => {
      const message = await sendMessage(deps(log), auth, params.chatId, body, request.now);
      metrics.count(DomainMetric.messagesSent);
      return reply.created(message);
    },
    replay: async ({ auth, resourceIds: [messageId], request, log }) => getMessageView(deps(log), auth, messageId, request.now),
  },
  editMessage: async ({ auth, params, body, request, log }) => editMessage(deps(log), auth, params.messageId, body.content, request.now),
  deleteMessage: async ({ auth, params, request, log }) => deleteMessage(deps(log), auth, params.messageId, request.now),
  markMessageRead: async ({ auth, params, request, log }) => markMessageRead(deps(log), auth, params.messageId, request.now),
  setTyping: async ({ auth, params, body, request, log }) => setTyping(deps(log), auth, params.chatId, body.isTyping, request.now),
  getTyping: async ({ auth, params, request, log }) => getTyping(deps(log), auth, params.chatId, request.now),
});
