// Queuing asynchronous work (shared/async/invoke.ts) through the local gateway's Lambda Invoke API, which runs
// the named function after answering 202 as Lambda does; the requests are tapped on the wire.
import { afterEach, describe, expect, it } from 'vitest';
import { useTestStack } from '../support/stack.ts';
import { seedUser } from '../support/users.ts';
import { connectSocket, eventually, type TestSocket } from '../support/ws.ts';
import { tapTransport } from '../support/aws-transport.ts';
import { getDb } from '../../shared/db/client.ts';
import { listConnectionsByUser } from '../../shared/db/entities/connection.ts';
import { createLambda } from '../../shared/aws/lambda.ts';
import { invokeAsync } from '../../shared/async/invoke.ts';
import { Events } from '../../shared/realtime/events.ts';
import { handler as fanOut } from '../../functions/fanout/handler.ts';

const stack = useTestStack();

function lambdaOnGateway() {
  const statuses: number[] = [];
  const { sent, transport } = tapTransport(async (_request, forward) => {
    const response = await forward();
    statuses.push(response.status);
    return response;
  });
  return { lambda: createLambda({ endpoint: stack.gatewayUrl, transport }), sent, statuses };
}

let socket: TestSocket | undefined;
afterEach(async () => {
  await socket?.close();
  socket = undefined;
});

describe('invokeAsync', () => {
  it('queues an asynchronous (Event) invocation carrying the payload as JSON, which then runs', async () => {
    const { user, token } = await seedUser('student');
    socket = await connectSocket(stack.wsUrl, token);
    await eventually(async () => (await listConnectionsByUser(getDb(), user.id, new Date())).length === 1, 5_000, 'connection stored');
    const announcement = Events.SystemAnnouncement({ id: 'ann_1', title: 'Maintenance', message: 'Tonight at 22:00', targetAudience: 'students' });
    const job = { kind: 'audience', audience: 'students', event: announcement };
    const { lambda, sent, statuses } = lambdaOnGateway();

    await invokeAsync('fanout', job, lambda);

    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', path: '/2015-03-31/functions/fanout/invocations', headers: { 'x-amz-invocation-type': 'Event' } });
    expect(sent[0].headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=.+\/lambda\/aws4_request, SignedHeaders=.+, Signature=[0-9a-f]{64}$/);
    expect(JSON.parse(sent[0].body)).toEqual(job);
    expect(statuses).toEqual([202]);
    expect((await socket.next('system.announcement')).data).toMatchObject({ id: 'ann_1', title: 'Maintenance' });
  });

  it('refuses a payload over Lambda’s 256 KB event limit before calling Lambda', async () => {
    const { lambda, sent } = lambdaOnGateway();
    await expect(invokeAsync('fanout', { big: 'x'.repeat(300 * 1024) }, lambda)).rejects.toThrow(/256 KB/);
    expect(sent).toHaveLength(0);
  });

  it("fails with Lambda's error code and status for a function that does not exist, without retrying", async () => {
    const { lambda, sent } = lambdaOnGateway();
    await expect(invokeAsync('no-such-function', {}, lambda)).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
    expect(sent).toHaveLength(1);
  });
});

describe('the fan-out function', () => {
  it('drops a malformed job instead of failing (a retry could not fix it)', async () => {
    expect(await fanOut({ kind: 'audience', audience: 'everyone', event: {} })).toEqual({ ok: false });
  });
});
