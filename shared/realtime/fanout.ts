// Broadcasts to a whole audience. With FANOUT_FUNCTION_NAME set (the deployed stack and the local stack),
// the request only queues the job and the fan-out Lambda walks the connections; without it, the push runs
// inside the caller (bounded by its timeout).
import { getConfig } from '../config.ts';
import { invokeAsync } from '../async/invoke.ts';
import { checkEvent, type AnyServerEvent } from './events.ts';
import { pushToAudience, type Audience } from './push.ts';

export async function broadcastToAudience(audience: Audience, event: AnyServerEvent): Promise<'queued' | 'pushed'> {
  const functionName = getConfig().FANOUT_FUNCTION_NAME;
  if (!functionName) {
    await pushToAudience(audience, event);
    return 'pushed';
  }
  // Refuse a bad event here, where the caller can see it, not in a job nobody watches.
  const check = checkEvent(event);
  if (!check.ok) throw new Error(`Invalid ${event.type} event: ${check.reason}`);
  await invokeAsync(functionName, { kind: 'audience', audience, event });
  return 'queued';
}
