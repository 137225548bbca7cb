// The API Gateway Management API of a WebSocket stage (`<endpoint>/@connections/{id}`) as signed requests
// (./signed-request.ts) instead of @aws-sdk/client-apigatewaymanagementapi. The local gateway serves the same
// paths. A connection that is gone answers 410: the error's name is `GoneException`, as with the SDK.
import { extendedEncodeURIComponent } from '@smithy/core/protocols';
import { createAwsClient, parseJsonError, type AwsClientOptions } from './signed-request.ts';

export interface ManagementApiOptions extends Partial<Pick<AwsClientOptions, 'region' | 'credentials' | 'transport' | 'retry'>> {
  /** The stage's callback URL, `https://{api-id}.execute-api.{region}.amazonaws.com/{stage}` (or a custom domain). */
  endpoint: string;
}

export interface ConnectionInfo {
  connectedAt?: string;
  lastActiveAt?: string;
  identity?: { sourceIp?: string; userAgent?: string };
}

export interface ManagementApi {
  readonly endpoint: string;
  /** Sends one frame (text) to the connection. */
  postToConnection(connectionId: string, data: string | Uint8Array): Promise<void>;
  /** Closes the connection (API Gateway then runs $disconnect). */
  deleteConnection(connectionId: string): Promise<void>;
  getConnection(connectionId: string): Promise<ConnectionInfo>;
}

export function createManagementApi(options: ManagementApiOptions): ManagementApi {
  // Signed as `execute-api`, like every call into an API Gateway stage.
  const client = createAwsClient({ ...options, service: 'execute-api', traceName: 'ApiGatewayManagementApi', parseError: parseJsonError });
  const connectionUrl = (connectionId: string) => {
    const url = new URL(options.endpoint);
    url.pathname = `${url.pathname.replace(/\/$/, '')}/@connections/${extendedEncodeURIComponent(connectionId)}`;
    return url;
  };
  return {
    endpoint: options.endpoint,
    async postToConnection(connectionId, data) {
      await client.send({ operation: 'PostToConnection', method: 'POST', url: connectionUrl(connectionId), body: data });
    },
    async deleteConnection(connectionId) {
      await client.send({ operation: 'DeleteConnection', method: 'DELETE', url: connectionUrl(connectionId) });
    },
    async getConnection(connectionId) {
      const response = await client.send({ operation: 'GetConnection', method: 'GET', url: connectionUrl(connectionId) });
      return JSON.parse(response.body.toString('utf8')) as ConnectionInfo;
    },
  };
}
