// Routes of the chats endpoint group: support, task and general chats, their messages, read positions
// and typing indicators. The data model behind them is in docs/data-model/chats.md.
import * as z from '../zod.ts';
import { defineRoute, Id, IsoDateTime, PageQuery, FileSummary, type RouteDef } from '../http/contract.ts';

export const ChatType = z.enum(['support', 'task', 'general']);
export const MessageType = z.enum(['text', 'image', 'file']);
export const MessageStatus = z.enum(['sent', 'read']);

/** Longest message text; with 10 attachments a `chat.message` frame stays well under API Gateway's 32 KB. */
export const MAX_MESSAGE_LENGTH = 4000;
export const MAX_MESSAGE_ATTACHMENTS = 10;
/** How long a typing indicator lasts without a refresh (clients re-send while the user keeps typing). */
export const TYPING_TTL_SECONDS = 8;

/** Who a chat shows: no e-mail addresses (students see admins here). */
export const ChatUser = z.object({
  id: Id('user'),
  name: z.string(),
  avatar: z.nullable(z.string()),
  role: z.enum(['student', 'admin']),
});

export const LastMessage = z.object({
  id: Id('msg'),
  senderId: Id('user'),
  type: MessageType,
  /** The first characters of the text, or "Image"/"2 files"; empty for a deleted message. */
  preview: z.string(),
  deleted: z.boolean(),
  createdAt: IsoDateTime,
});

export const ChatView = z.object({
  id: Id('chat'),
  type: ChatType,
  studentId: Id('user'),
  /** The chat's student (name and avatar for the admin's conversation list). */
  student: z.nullable(ChatUser),
  taskId: z.nullable(Id('task')),
  /** Explicit participants; every admin is an implicit participant of every support chat. */
  participantIds: z.array(Id('user')),
  participants: z.array(ChatUser),
  lastMessage: z.nullable(LastMessage),
  /** Messages after the caller's read position. */
  unreadCount: z.number().check(z.int(), z.nonnegative()),
  lastActivityAt: IsoDateTime,
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type ChatView = z.infer<typeof ChatView>;

export const MessageView = z.object({
  id: Id('msg'),
  chatId: Id('chat'),
  senderId: Id('user'),
  sender: z.nullable(ChatUser),
  type: MessageType,
  /** Empty once deleted. */
  content: z.string(),
  attachments: z.array(FileSummary),
  replyTo: z.nullable(Id('msg')),
  /** Position in the chat: 1 for the first message. */
  seq: z.number().check(z.int(), z.positive()),
  createdAt: IsoDateTime,
  /** Same as createdAt (the spec's Message model calls it `timestamp`). */
  timestamp: IsoDateTime,
  editedAt: z.nullable(IsoDateTime),
  deleted: z.boolean(),
  deletedAt: z.nullable(IsoDateTime),
  /** Other users whose read position is at or past this message. */
  readBy: z.array(Id('user')),
  /** `read` once the other side (the student, or any admin for the student's messages) has read it. */
  status: MessageStatus,
});
export type MessageView = z.infer<typeof MessageView>;

/**
 * Message text: at most MAX_MESSAGE_LENGTH characters, no control characters but tab and line breaks (they
 * would only hide text, and JSON escapes them six-fold, which could push a frame past 32 KB).
 */
const MessageText = z
  .string()
  .check(
    z.maxLength(MAX_MESSAGE_LENGTH),
    z.refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'must not contain control characters'),
  );

export const ChatIdParams = z.object({ chatId: Id('chat') });
export const MessageIdParams = z.object({ messageId: Id('msg') });

export const ListChatsQuery = z.extend(PageQuery, { type: z.optional(ChatType) });

export const OpenChatBody = z
  .strictObject({
    /** Default `support`. */
    type: z._default(ChatType, 'support'),
    /** Support and general chats: the student (a student may only name themselves, or leave it out). */
    studentId: z.optional(Id('user')),
    /** Task chats: the task. */
    taskId: z.optional(Id('task')),
  })
  .check(
    z.superRefine((b, ctx) => {
      if (b.type === 'task') {
        if (!b.taskId) ctx.addIssue({ code: 'custom', path: ['taskId'], message: 'is required for a task chat' });
        if (b.studentId) ctx.addIssue({ code: 'custom', path: ['studentId'], message: 'is taken from the task' });
      } else if (b.taskId) {
        ctx.addIssue({ code: 'custom', path: ['taskId'], message: `is only for task chats` });
      }
    }),
  );
export type OpenChatBody = z.infer<typeof OpenChatBody>;

export const ListMessagesQuery = z.extend(PageQuery, {
  /** Messages older than this message id or ISO-8601 time. */
  before: z.optional(z.union([Id('msg'), IsoDateTime], { error: 'must be a message id (msg_...) or an ISO-8601 time such as 2025-01-15T10:00:00Z' })),
});

export const SendMessageBody = z
  .strictObject({
    content: z._default(MessageText, ''),
    type: z._default(MessageType, 'text'),
    attachments: z._default(z.array(Id('file')).check(z.maxLength(MAX_MESSAGE_ATTACHMENTS)), []),
    /** A message of the same chat. */
    replyTo: z.optional(Id('msg')),
  })
  .check(
    z.superRefine((b, ctx) => {
      if (b.type === 'text' && b.content.trim() === '') {
        ctx.addIssue({ code: 'custom', path: ['content'], message: 'is required for a text message' });
      }
      if (b.type !== 'text' && b.attachments.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['attachments'], message: `an ${b.type} message needs at least one attachment` });
      }
    }),
  );
export type SendMessageBody = z.infer<typeof SendMessageBody>;

export const EditMessageBody = z.strictObject({
  content: MessageText.check(z.refine((s) => s.trim() !== '', 'must not be empty')),
});

export const ReadPosition = z.object({
  chatId: Id('chat'),
  /** The newest message the caller has read (may be later than the one marked, if already read further). */
  messageId: z.nullable(Id('msg')),
  readSeq: z.number().check(z.int(), z.nonnegative()),
  unreadCount: z.number().check(z.int(), z.nonnegative()),
  readAt: z.nullable(IsoDateTime),
});

export const TypingBody = z.strictObject({ isTyping: z.boolean() });

export const TypingState = z.object({
  chatId: Id('chat'),
  /** Other users typing now (the caller is left out). */
  typing: z.array(z.object({ userId: Id('user'), name: z.nullable(z.string()), role: z.enum(['student', 'admin']), expiresAt: IsoDateTime })),
});

export const TypingAck = z.object({ chatId: Id('chat'), isTyping: z.boolean(), expiresAt: z.nullable(IsoDateTime) });

export const chatsRoutes = {
  listChats: defineRoute({
    method: 'GET',
    path: '/chats',
    fn: 'chats',
    access: 'authenticated',
    rateLimit: 'general',
    summary:
      "The caller's conversations, newest activity first. Students: their own chats. Admins: every support chat plus the task and general chats they take part in. Filter with `type`.",
    query: ListChatsQuery,
    response: ChatView,
  }),
  openSupportChat: defineRoute({
    method: 'POST',
    path: '/chats/support',
    fn: 'chats',
    access: 'student',
    rateLimit: 'general',
    summary: "The caller's support chat with the admin team, created on first use (201) and returned after (200)",
    response: ChatView,
  }),
  openChat: defineRoute({
    method: 'POST',
    path: '/chats',
    fn: 'chats',
    access: 'authenticated',
    rateLimit: 'general',
    summary:
      'Get or create a chat: `{type:"support", studentId}` (admins: any student; students: their own), `{type:"task", taskId}` (the task\'s student or an admin), `{type:"general", studentId}` (admins: a new direct chat). 201 when created.',
    body: OpenChatBody,
    response: ChatView,
    idempotent: {},
  }),
  getChat: defineRoute({
    method: 'GET',
    path: '/chats/{chatId}',
    fn: 'chats',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'One chat with its last message and the caller\'s unread count',
    params: ChatIdParams,
    response: ChatView,
  }),
  listMessages: defineRoute({
    method: 'GET',
    path: '/chats/{chatId}/messages',
    fn: 'chats',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'Messages of a chat, newest first; `before` (message id or time) and `limit`, or the `cursor` of the previous page',
    params: ChatIdParams,
    query: ListMessagesQuery,
    response: MessageView,
  }),
  sendMessage: defineRoute({
    method: 'POST',
    path: '/chats/{chatId}/messages',
    fn: 'chats',
    access: 'authenticated',
    rateLimit: 'chat',
    summary: 'Send a message (text, or image/file with attachments from POST /files/upload); pushed as chat.message',
    params: ChatIdParams,
    body: SendMessageBody,
    response: MessageView,
    successStatus: 201,
    idempotent: {},
  }),
  editMessage: defineRoute({
    method: 'PUT',
    path: '/messages/{messageId}',
    fn: 'chats',
    access: 'authenticated',
    rateLimit: 'chat',
    summary: 'Edit the text of one of your own messages (not a deleted one)',
    params: MessageIdParams,
    body: EditMessageBody,
    response: MessageView,
  }),
  deleteMessage: defineRoute({
    method: 'DELETE',
    path: '/messages/{messageId}',
    fn: 'chats',
    access: 'authenticated',
    rateLimit: 'chat',
    summary: 'Delete one of your own messages: it stays in the chat as a tombstone (no content, no attachments)',
    params: MessageIdParams,
    response: MessageView,
  }),
  markMessageRead: defineRoute({
    method: 'POST',
    path: '/messages/{messageId}/read',
    fn: 'chats',
    access: 'authenticated',
    rateLimit: 'general',
    summary: "Move the caller's read position in the message's chat up to this message (never backwards)",
    params: MessageIdParams,
    response: ReadPosition,
  }),
  setTyping: defineRoute({
    method: 'POST',
    path: '/chats/{chatId}/typing',
    fn: 'chats',
    access: 'authenticated',
    rateLimit: 'general',
    summary: `Typing indicator for clients without a socket; lasts ${TYPING_TTL_SECONDS} s unless repeated. Pushed as chat.typing.`,
    params: ChatIdParams,
    body: TypingBody,
    response: TypingAck,
  }),
  getTyping: defineRoute({
    method: 'GET',
    path: '/chats/{chatId}/typing',
    fn: 'chats',
    access: 'authenticated',
    rateLimit: 'general',
    summary: 'Who else is typing in the chat right now',
    params: ChatIdParams,
    response: TypingState,
  }),
} satisfies Record<string, RouteDef>;
