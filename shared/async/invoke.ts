// Hands work to another Lambda without waiting for it (InvocationType Event): long fan-outs leave the
// HTTP request, whose integration timeout is 30 s. The local stack serves the same Lambda API
// (AWS_ENDPOINT_URL_LAMBDA points at the gateway), so this code runs unchanged on one machine.
import { traceSdkClient } from '../observability/tracing.ts';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

let client: LambdaClient | undefined;

/** Queues one asynchronous invocation of `functionName` with `payload` (at most 256 KB). */
export async function invokeAsync(functionName: string, payload: unknown, lambda: LambdaClient = (client ??= traceSdkClient(new LambdaClient({}), 'Lambda'))): Promise<void> {
  const body = Buffer.from(JSON.stringify(payload));
  if (body.length > 256 * 1024) throw new Error(`async payload of ${body.length} bytes exceeds Lambda's 256 KB event limit`);
  await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: body }));
}
