// The WebSocket API's one Lambda: every route ($connect, $disconnect, $default and the client actions)
// lands here. It answers API Gateway with a status code; replies to the client go through the Management API.
import middy from '@middy/core';
import type { APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { getConfig } from '#shared/config.ts';
import { getDb, type Db } from '#shared/db/client.ts';
import { createLogger, type Logger } from '#shared/log.ts';
import { createMetrics, currentMetrics, withMetrics } from '#shared/observability/metrics.ts';
import { reportUnexpectedError } from '#shared/observability/errors.ts';
import { DomainMetric } from '#shared/observability/metric-names.ts';
import { verifyAccessToken, type AuthUser } from '#shared/auth/tokens.ts';
import { closeConnections, getManagementClient, replyToConnection } from '#shared/realtime/push.ts';
import { consumeRateLimit } from '#shared/http/rate-limit.ts';
import type { AnyServerEvent } from '#shared/realtime/events.ts';
import type { ManagementApi } from '#shared/aws/management-api.ts';
import type { Connection } from '#shared/db/entities/connection.ts';
import { closeConnection, connectRefusalStatus, openConnection } from './connections.ts';
import { handleClientFrame, type RelayTyping } from './actions.ts';
import { loadRelayTyping } from './typing.ts';

/** $connect events also carry the upgrade request's headers and query string. */
export type WebSocketEvent = APIGatewayProxyWebsocketEventV2 & { headers?: Record<string, string | undefined> };
export interface WebSocketResult {
  statusCode: number;
  body?: string;
}

export interface RealtimeDeps {
  db: Db;
  verifyAccessToken: (token: string) => Promise<AuthUser>;
  /** The Management API client replies go through (the endpoint of this WebSocket API's stage). */
  managementClient: (event: WebSocketEvent) => ManagementApi;
  loadRelayTyping: () => Promise<RelayTyping | undefined>;
  now: () => Date;
  log: Logger;
}

const baseLog = createLogger({ fn: 'realtime' });

function defaultDeps(overrides: Partial<RealtimeDeps>): RealtimeDeps {
  return {
    db: overrides.db ?? getDb(),
    verifyAccessToken: overrides.verifyAccessToken ?? verifyAccessToken,
    // The stack sets WEBSOCKET_ENDPOINT; without it, the stage's own callback URL is what AWS would use.
    managementClient:
      overrides.managementClient ??
      ((event) => getManagementClient(getConfig().WEBSOCKET_ENDPOINT ?? `https://${event.requestContext.domainName}/${event.requestContext.stage}`)),
    loadRelayTyping: overrides.loadRelayTyping ?? loadRelayTyping,
    now: overrides.now ?? (() => new Date()),
    log: overrides.log ?? baseLog,
  };
}

/** Builds the handler; tests inject dependencies, the Lambda uses the production ones. */
export function createWebSocketHandler(overrides: Partial<RealtimeDeps> = {}) {
  let resolved: RealtimeDeps | undefined;
  // One metric recorder per invocation (the pushes it makes count there too), written when it ends.
  return (event: WebSocketEvent, _context?: Context): Promise<WebSocketResult> => withMetrics(createMetrics('realtime'), () => handle(event));

  async function handle(event: WebSocketEvent): Promise<WebSocketResult> {
    const deps = (resolved ??= defaultDeps(overrides));
    const { routeKey, connectionId, requestId } = event.requestContext;
    const log = deps.log.child({ requestId, connectionId, routeKey });
    const now = deps.now();
    const started = Date.now();

    if (routeKey === '$connect') {
      try {
        const client = deps.managementClient(event);
        const connectDeps = {
          db: deps.db,
          verifyAccessToken: deps.verifyAccessToken,
          maxConnectionsPerUser: getConfig().WEBSOCKET_MAX_CONNECTIONS_PER_USER,
          closeConnections: (connections: Connection[]) => closeConnections(connections, 'connection_limit', { db: deps.db, client, log }),
        };
        const connection = await openConnection(connectDeps, { connectionId, token: event.queryStringParameters?.token }, now);
        currentMetrics().count(DomainMetric.socketConnects);
        log.info('connected', { userId: connection.userId, role: connection.role, durationMs: Date.now() - started });
        return { statusCode: 200 };
      } catch (err) {
        const status = connectRefusalStatus(err);
        if (status) {
          log.info('connection refused', { status, reason: (err as Error).message });
          return { statusCode: status, body: (err as Error).message };
        }
        reportUnexpectedError(log, err, { route: routeKey });
        return { statusCode: 500 };
      }
    }

    if (routeKey === '$disconnect') {
      try {
        await closeConnection(deps.db, connectionId);
      } catch (err) {
        // The item's TTL removes it anyway; a push meeting its 410 would too.
        log.warn('could not delete connection on disconnect', { error: err });
      }
      currentMetrics().count(DomainMetric.socketDisconnects);
      log.info('disconnected', { durationMs: Date.now() - started });
      return { statusCode: 200 };
    }

    const client = deps.managementClient(event);
    const reply = (frame: AnyServerEvent) => replyToConnection(connectionId, frame, { db: deps.db, client, log });
    const body = event.body && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    // Per connection: one socket flooding `chat.typing` cannot flood the chat's other participants.
    const limitAction = () =>
      consumeRateLimit(deps.db, { cls: 'socket', subject: `conn:${connectionId}`, limit: getConfig().RATE_LIMIT_SOCKET_ACTIONS_PER_MINUTE, now });
    try {
      await handleClientFrame({ db: deps.db, reply, loadRelayTyping: deps.loadRelayTyping, limitAction, log }, { connectionId, routeKey, body, now });
    } catch (err) {
      // Logged once here; API Gateway answers the frame with an error either way.
      reportUnexpectedError(log, err, { route: routeKey });
      return { statusCode: 500 };
    }
    log.info('message', { durationMs: Date.now() - started });
    return { statusCode: 200 };
  }
}

export const handler = middy(createWebSocketHandler());
