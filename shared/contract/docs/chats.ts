// Documentation of the chats and messages routes (see ./index.ts). Live events: docs/asyncapi.json.
import type { RouteDoc } from '../../http/openapi.ts';
import { exampleId, EXAMPLE_TIME } from '../../http/schema-example.ts';

const chatId = exampleId('chat');
const student = { id: exampleId('user'), name: 'John Doe', avatar: null, role: 'student' };
const admin = { id: 'user_01JHK3V7Q9ZP4M2X8W5T6R0ADM', name: 'Dr. Smith', avatar: null, role: 'admin' };

export const messageExample = {
  id: exampleId('msg'),
  chatId,
  senderId: student.id,
  sender: student,
  type: 'text',
  content: 'Message content',
  attachments: [],
  replyTo: null,
  seq: 42,
  createdAt: EXAMPLE_TIME,
  timestamp: EXAMPLE_TIME,
  editedAt: null,
  deleted: false,
  deletedAt: null,
  readBy: [],
  status: 'sent',
};

const chatExample = {
  id: chatId,
  type: 'support',
  studentId: student.id,
  student,
  taskId: null,
  participantIds: [student.id],
  participants: [student, admin],
  lastMessage: { id: messageExample.id, senderId: student.id, type: 'text', preview: 'Message content', deleted: false, createdAt: EXAMPLE_TIME },
  unreadCount: 2,
  lastActivityAt: EXAMPLE_TIME,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: EXAMPLE_TIME,
};

const mineOnly = 'Not the sender of the message.';

export const chatsDocs: Record<string, RouteDoc> = {
  'GET /chats': {
    description:
      "The caller's conversations with their last message and unread count, newest activity first. Students see their own chats (their support chat exists from sign-up). Admins see every support chat (the support queue: chats with messages by last message, then the rest by the student's sign-up) plus the task and general chats they take part in.",
    params: { type: '`support`, `task` or `general`: only chats of this type.' },
    responseExample: chatExample,
  },
  'POST /chats/support': {
    description: "The calling student's support chat with the admin team: 201 when this call created it, 200 when it existed (every student has one from sign-up).",
    success: { status: 201, alsoStatus: 200, description: 'The support chat (201 created, 200 existing)' },
    responseExample: chatExample,
  },
  'POST /chats': {
    description:
      'Gets or creates a chat: `{ "type": "support", "studentId" }` (admins: any student\'s; students: their own, `studentId` optional), `{ "type": "task", "taskId" }` (the task\'s student or an admin), `{ "type": "general", "studentId" }` (admins only: a new direct chat with a student). 201 when created, 200 when it existed.',
    success: { status: 201, alsoStatus: 200, description: 'The chat (201 created, 200 existing)' },
    requestExample: { type: 'support', studentId: student.id, taskId: undefined },
    responseExample: chatExample,
    errors: { 403: 'A student opening a general chat.', 404: 'No such student or task, or not one the caller may see (a student naming another student).' },
  },
  'GET /chats/{chatId}': {
    description: "One chat with its last message and the caller's unread count, for a client that opens a chat by link or after a `chat.message` for a chat not yet in its list. Participants only (admins for support chats).",
    responseExample: chatExample,
  },
  'GET /chats/{chatId}/messages': {
    description:
      'Messages of a chat, newest first. Page back with `before` (a message id or an ISO time: messages older than it) and `limit`, or with the `cursor` of the previous page. Deleted messages appear as tombstones. Participants only.',
    params: { before: 'Only messages older than this message id (`msg_...`) or ISO-8601 time.' },
    responseExample: messageExample,
  },
  'POST /chats/{chatId}/messages': {
    description:
      'Sends a message: text, or `image`/`file` with attachments (confirmed uploads of the caller, at most 10) and optional text; `replyTo` quotes a message of the same chat. Pushed live as `chat.message` (`kind: "new"`) to the other participants and to the sender\'s other connections; the recipient is notified when not connected.',
    requestExample: { content: 'Message content', type: 'text', attachments: [], replyTo: exampleId('msg') },
    responseExample: { ...messageExample, replyTo: exampleId('msg') },
    errors: { 400: 'Also: an attachment that is not a confirmed file of the caller, or `replyTo` of another chat.', 409: 'Also: the chat stayed busy with concurrent sends (send again).' },
  },
  'PUT /messages/{messageId}': {
    description: 'Edits the text of one of your own messages (not a deleted one); `editedAt` is set and the chat gets `chat.message` with `kind: "edited"`.',
    requestExample: { content: 'Updated content' },
    responseExample: { ...messageExample, content: 'Updated content', editedAt: EXAMPLE_TIME },
    errors: { 403: mineOnly, 409: 'The message is deleted.' },
  },
  'DELETE /messages/{messageId}': {
    description:
      'Deletes one of your own messages: it stays in the chat as a tombstone (empty content, no attachments, `deleted: true`), so replies and read positions stay valid. The chat gets `chat.message` with `kind: "deleted"`.',
    responseExample: { ...messageExample, content: '', deleted: true, deletedAt: EXAMPLE_TIME },
    errors: { 403: mineOnly },
  },
  'POST /messages/{messageId}/read': {
    description: "Moves the caller's read position in the message's chat up to this message (never backwards) and answers the position and the unread count left. Messages read by the other side show `status: \"read\"`.",
    responseExample: { chatId, messageId: exampleId('msg'), readSeq: 42, unreadCount: 0, readAt: EXAMPLE_TIME },
  },
  'POST /chats/{chatId}/typing': {
    description:
      'The typing indicator for clients without a WebSocket (with one, send `{"action":"chat.typing"}`): lasts 8 seconds unless repeated; `isTyping: false` ends it. Pushed as `chat.typing` to the other participants.',
    requestExample: { isTyping: true },
    responseExample: { chatId, isTyping: true, expiresAt: '2025-01-15T10:00:08.000Z' },
  },
  'GET /chats/{chatId}/typing': {
    description:
      'Who else is typing in the chat now (the caller is left out). The spec calls this the WebSocket endpoint for typing indicators: live indicators are the `chat.typing` frames of the one WebSocket connection (docs/asyncapi.json); this answers the current state once.',
    responseExample: { chatId, typing: [{ userId: admin.id, name: 'Dr. Smith', role: 'admin', expiresAt: '2025-01-15T10:00:08.000Z' }] },
  },
};
