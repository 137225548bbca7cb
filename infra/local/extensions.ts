// The local emulators that plug into the gateway beside the HTTP API (WebSocket API, Management API, webhooks).
import type { GatewayExtension } from './gateway.ts';

export interface ExtensionContext {
  gatewayUrl: string;
  stateDir: string;
}

export async function localExtensions(_ctx: ExtensionContext): Promise<GatewayExtension[]> {
  return [];
}
