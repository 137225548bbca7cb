// Hands work to another Lambda without waiting for it (InvocationType Event): long fan-outs leave the
// HTTP request, whose integration timeout is 30 s. The local stack serves the same Lambda API
// (AWS_ENDPOINT_URL_LAMBDA points at the gateway), so this code runs unchanged on one machine.
import { createLambda, type Lambda } from '../aws/lambda.ts';

let client: Lambda | undefined;

/** Queues one asynchronous invocation of `functionName` with `payload` (at most 256 KB). */
export async function invokeAsync(functionName: string, payload: unknown, lambda: Lambda = (client ??= createLambda())): Promise<void> {
  const body = Buffer.from(JSON.stringify(payload));
  if (body.length > 256 * 1024) throw new Error(`async payload of ${body.length} bytes exceeds Lambda's 256 KB event limit`);
  await lambda.invokeEvent(functionName, body);
}
