// Where the WebSocket `chat.typing` route finds the chats domain's relay. Imported lazily so a connection
// that only pings never loads the chats code, and so this function works before the chats domain exists.
import type { RelayTyping } from './actions.ts';

export async function loadRelayTyping(): Promise<RelayTyping | undefined> {
  try {
    const mod: { relayTyping?: RelayTyping } = await import('../chats/typing.ts');
    return mod.relayTyping;
  } catch (err) {
    if (isMissingModule(err)) return undefined;
    throw err;
  }
}

function isMissingModule(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module|Failed to load url|Failed to resolve/i.test(e?.message ?? '')) && /chats[\\/]typing/.test(e?.message ?? '');
}
