// The Lambda Invoke API on the local gateway (POST /2015-03-31/functions/{name}/invocations), so code that
// queues asynchronous work with the AWS SDK (shared/async/invoke.ts) runs unchanged: AWS_ENDPOINT_URL_LAMBDA
// points here and the named function's handler module runs in this process, after the 202, as Lambda does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { GatewayExtension } from './gateway.ts';
import { lambdaContext, loadHandler } from './gateway.ts';

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** Only functions meant to be invoked directly (not the HTTP groups) are served. */
export function createLambdaApiEmulator(options: { functions: readonly string[] }): GatewayExtension {
  const inFlight = new Set<Promise<unknown>>();

  const respond = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'X-Amz-Request-Id': randomUUID(), ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };

  return {
    async handleRequest(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
      const match = INVOKE_PATH.exec(new URL(req.url ?? '/', 'http://localhost').pathname);
      if (!match || req.method !== 'POST') return false;
      // The SDK sends a name or an ARN; the local functions are known by name.
      let name: string;
      try {
        name = decodeURIComponent(match[1]).split(':').pop()!;
      } catch {
        name = match[1];
      }
      if (!options.functions.includes(name)) {
        respond(res, 404, { Type: 'User', message: `Function not found: ${name}` }, { 'X-Amzn-ErrorType': 'ResourceNotFoundException' });
        return true;
      }
      let payload: unknown;
      try {
        payload = body.length ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        respond(res, 400, { Type: 'User', message: 'Could not parse request body into json' }, { 'X-Amzn-ErrorType': 'InvalidRequestContentException' });
        return true;
      }
      const handler = await loadHandler(name);
      const run = () => handler(payload, lambdaContext(name, randomUUID()));
      if (req.headers['x-amz-invocation-type'] === 'Event') {
        respond(res, 202);
        const job = run()
          .catch((err) => console.error(`[lambda] async ${name} failed`, err))
          .finally(() => inFlight.delete(job));
        inFlight.add(job);
        return true;
      }
      try {
        respond(res, 200, await run());
      } catch (err) {
        respond(res, 200, { errorType: (err as Error).name, errorMessage: (err as Error).message }, { 'X-Amz-Function-Error': 'Unhandled' });
      }
      return true;
    },
    async close() {
      // Let queued jobs finish before the emulators behind them stop.
      await Promise.allSettled([...inFlight]);
    },
  };
}

export const FUNCTION_URL_PATH = '/_function-url';

/**
 * Lambda Function URLs on the local gateway: `<gateway>/_function-url/<name>/...` invokes that function's
 * handler with the payload-2.0 event a Function URL sends (route key `$default`), as the Stripe webhook's
 * URL does in AWS.
 */
export function createFunctionUrlEmulator(options: { functions: readonly string[] }): GatewayExtension {
  return {
    async handleRequest(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const match = new RegExp(`^${FUNCTION_URL_PATH}/([^/]+)(/.*)?$`).exec(url.pathname);
      if (!match || !options.functions.includes(match[1])) return false;
      const { buildHttpEvent } = await import('./gateway.ts');
      const event = buildHttpEvent({ method: req.method ?? 'GET', path: match[2] ?? '/', routeKey: '$default', headers: req.headers, rawQueryString: url.search.slice(1), body });
      const handler = await loadHandler(match[1]);
      const result = (await handler(event, lambdaContext(match[1], event.requestContext.requestId))) as { statusCode?: number; headers?: Record<string, string>; body?: string; isBase64Encoded?: boolean };
      res.writeHead(result.statusCode ?? 200, result.headers ?? {});
      res.end(result.body === undefined ? undefined : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
      return true;
    },
  };
}
