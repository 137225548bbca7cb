import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { invokeAsync } from '../../shared/async/invoke.ts';
import { handler as fanOut } from '../../functions/fanout/handler.ts';

const lambda = mockClient(LambdaClient);
afterEach(() => lambda.reset());

describe('invokeAsync', () => {
  it('queues an asynchronous (Event) invocation carrying the payload as JSON', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await invokeAsync('fanout', { kind: 'audience', audience: 'students', event: { type: 'system.announcement', data: { id: 'ann_1' } } }, new LambdaClient({ region: 'us-east-1' }));
    const [call] = lambda.commandCalls(InvokeCommand);
    expect(call.args[0].input).toMatchObject({ FunctionName: 'fanout', InvocationType: 'Event' });
    expect(JSON.parse(Buffer.from(call.args[0].input.Payload as Uint8Array).toString())).toEqual({
      kind: 'audience',
      audience: 'students',
      event: { type: 'system.announcement', data: { id: 'ann_1' } },
    });
  });

  it('refuses a payload over Lambda’s 256 KB event limit before calling Lambda', async () => {
    await expect(invokeAsync('fanout', { big: 'x'.repeat(300 * 1024) }, new LambdaClient({ region: 'us-east-1' }))).rejects.toThrow(/256 KB/);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });
});

describe('the fan-out function', () => {
  it('drops a malformed job instead of failing (a retry could not fix it)', async () => {
    expect(await fanOut({ kind: 'audience', audience: 'everyone', event: {} })).toEqual({ ok: false });
  });
});
