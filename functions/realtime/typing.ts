// Where the WebSocket `chat.typing` route finds the chats domain's relay. A static import: a dynamic
// `import()` made esbuild wrap everything under it in lazy-init closures it cannot tree-shake, which put
// every DynamoDB command and waiter (47 KiB) into this function's cold start.
import { relayTyping } from '../chats/typing.ts';
import type { RelayTyping } from './actions.ts';

export async function loadRelayTyping(): Promise<RelayTyping | undefined> {
  return relayTyping;
}
