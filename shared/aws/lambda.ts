// Lambda's Invoke API as one signed request (./signed-request.ts) instead of @aws-sdk/client-lambda (~70 KiB
// of bundle for one call). The local stack serves the same API on its gateway (infra/local/lambda-api.ts).
import { extendedEncodeURIComponent } from '@smithy/core/protocols';
import { createAwsClient, defaultRegion, parseJsonError, serviceEndpoint, type AwsClient, type AwsClientOptions } from './signed-request.ts';

export interface LambdaOptions extends Partial<Pick<AwsClientOptions, 'region' | 'credentials' | 'transport' | 'retry'>> {
  /** Default: AWS_ENDPOINT_URL_LAMBDA / AWS_ENDPOINT_URL, else `https://lambda.<region>.amazonaws.com`. */
  endpoint?: string;
}

export interface Lambda {
  /**
   * Queues an asynchronous invocation (InvocationType Event: Lambda answers 202 once the event is stored and
   * runs the function later, retrying it on failure). `functionName` is a name or an ARN.
   */
  invokeEvent(functionName: string, payload: Uint8Array): Promise<void>;
}

export function createLambda(options: LambdaOptions = {}): Lambda {
  const region = options.region ?? defaultRegion();
  const client: AwsClient = createAwsClient({ ...options, region, service: 'lambda', traceName: 'Lambda', parseError: parseJsonError });
  const endpoint = options.endpoint ?? serviceEndpoint('LAMBDA', 'lambda', region);
  return {
    async invokeEvent(functionName, payload) {
      const url = new URL(endpoint);
      url.pathname = `${url.pathname.replace(/\/$/, '')}/2015-03-31/functions/${extendedEncodeURIComponent(functionName)}/invocations`;
      await client.send({ operation: 'Invoke', method: 'POST', url, headers: { 'x-amz-invocation-type': 'Event', 'content-type': 'application/octet-stream' }, body: payload });
    },
  };
}
