// API Gateway's connection limits in the local emulator, shortened through the stack's environment:
// the idle timeout (10 minutes in AWS) and the maximum connection duration (2 hours in AWS).
import { describe, expect, it } from 'vitest';
import { useTestStack } from '../support/stack.ts';
import { seedStudent } from '../support/users.ts';
import { connectSocket, eventually } from '../support/ws.ts';
import { isUserConnected } from '../../shared/realtime/push.ts';

const stack = useTestStack({ LOCAL_WS_IDLE_TIMEOUT_SECONDS: '0.6', LOCAL_WS_MAX_CONNECTION_SECONDS: '2' });

describe('connection limits', () => {
  it('closes an idle connection with 1001 and $disconnect removes its item', async () => {
    const { user, token } = await seedStudent();
    const socket = await connectSocket(stack.wsUrl, token);

    expect((await socket.closed).code).toBe(1001);
    await eventually(async () => !(await isUserConnected(user.id)), 5_000, 'connection removed');
  });

  it('keeps a connection that pings, until the maximum duration closes it', async () => {
    const { token } = await seedStudent();
    const socket = await connectSocket(stack.wsUrl, token);
    const opened = Date.now();
    const pinger = setInterval(() => socket.ws.readyState === socket.ws.OPEN && socket.send({ action: 'ping' }), 200);

    const { code } = await socket.closed;
    clearInterval(pinger);

    expect(code).toBe(1001);
    expect(Date.now() - opened).toBeGreaterThanOrEqual(1_900);
    expect(socket.frames.filter((f) => f.type === 'pong').length).toBeGreaterThan(3);
  });
});
