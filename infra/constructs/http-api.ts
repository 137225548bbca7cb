// The HTTP API (API Gateway v2) under stage `v1`: one route per contract entry, each integrated with the
// Lambda of its endpoint group. Routes come from shared/contract, so an endpoint added there is deployed
// with no change here. Authorization, validation and rate limits run in the function's pipeline.
import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { routeKey, type RouteDef } from '../../shared/http/contract.ts';
import type { ProjectFunction } from './project-function.ts';

/** The design's base path: the stage name is the first path segment of every URL. */
export const HTTP_STAGE_NAME = 'v1';

export interface ContractHttpApiProps {
  allowedOrigins: string[];
  throttle: { rateLimit: number; burstLimit: number };
  logRetention: logs.RetentionDays;
}

// API Gateway HTTP API access-log variables, one JSON object per request.
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  userAgent: '$context.identity.userAgent',
});

export class ContractHttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  /** Public base URL including the stage: https://{id}.execute-api.{region}.amazonaws.com/v1 */
  readonly baseUrl: string;
  private readonly routeKeys = new Map<string, string>();
  private readonly integrations = new Map<string, apigw.HttpIntegration>();

  constructor(scope: Construct, id: string, props: ContractHttpApiProps) {
    super(scope, id);
    const wildcard = props.allowedOrigins.includes('*');
    this.api = new apigw.HttpApi(this, 'api', {
      description: 'GradHelper HTTP API',
      createDefaultStage: false,
      // API Gateway answers every preflight itself (no OPTIONS routes) and sets the CORS headers of responses.
      corsPreflight: {
        allowOrigins: props.allowedOrigins,
        allowMethods: [
          apigw.CorsHttpMethod.GET,
          apigw.CorsHttpMethod.POST,
          apigw.CorsHttpMethod.PUT,
          apigw.CorsHttpMethod.PATCH,
          apigw.CorsHttpMethod.DELETE,
          apigw.CorsHttpMethod.OPTIONS,
        ],
        allowHeaders: ['authorization', 'content-type', 'x-request-id', 'idempotency-key'],
        exposeHeaders: ['retry-after', 'x-request-id', 'content-disposition', 'idempotent-replayed'],
        // Browsers refuse credentials with a wildcard origin, so only named origins get them.
        allowCredentials: !wildcard,
        maxAge: Duration.hours(1),
      },
    });
    this.accessLogs = new logs.LogGroup(this, 'access-logs', { retention: props.logRetention });
    this.stage = new apigw.HttpStage(this, 'stage', {
      httpApi: this.api,
      stageName: HTTP_STAGE_NAME,
      autoDeploy: true,
      // A ceiling for the whole API; per-user limits are the pipeline's DynamoDB counters.
      throttle: props.throttle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
    this.baseUrl = `${this.api.apiEndpoint}/${HTTP_STAGE_NAME}`;
  }

  /** One route per entry of an endpoint group's contract, all on one integration with that group's function. */
  addContractRoutes(fn: ProjectFunction, routes: Record<string, RouteDef>): void {
    // Integration and permission are created here, not by the first route that uses them, so their logical
    // ids do not change when routes are added or reordered in the contract.
    const integration = new apigw.HttpIntegration(this, `${fn.name}-integration`, {
      httpApi: this.api,
      integrationType: apigw.HttpIntegrationType.AWS_PROXY,
      integrationUri: fn.function.functionArn,
      payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
    });
    this.integrations.set(fn.name, integration);
    // One resource-policy statement for the whole API instead of one per route (the policy has a size limit).
    fn.function.addPermission(`${fn.name}-http-api-invoke`, {
      principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      sourceArn: this.api.arnForExecuteApi(),
    });
    for (const [name, route] of Object.entries(routes)) {
      const key = routeKey(route);
      const owner = this.routeKeys.get(key);
      if (owner) throw new Error(`Route ${key} is declared twice in shared/contract (${owner} and ${fn.name}.${name})`);
      this.routeKeys.set(key, `${fn.name}.${name}`);
      const cfnRoute = new apigw.CfnRoute(this, `route-${fn.name}-${name}`, {
        apiId: this.api.apiId,
        routeKey: apigw.HttpRouteKey.with(route.path, apigw.HttpMethod[route.method]).key,
        target: `integrations/${integration.integrationId}`,
        authorizationType: 'NONE',
      });
      Validations.of(cfnRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `Authorization is enforced in the ${fn.name} function's pipeline from the contract's access rule "${route.access}" (bearer JWT verified with a pinned algorithm, role checked); public routes are public by the product spec.`,
      });
    }
  }

  /**
   * `$default` catches every request no contract route matches and sends it to `fn` (an endpoint group whose
   * routes were already added), whose pipeline answers the spec's 404 envelope instead of API Gateway's
   * bare `{"message":"Not Found"}`. Costs one small Lambda call per stray request.
   */
  addNotFoundRoute(fn: ProjectFunction): void {
    const integration = this.integrations.get(fn.name);
    if (!integration) throw new Error(`addNotFoundRoute: add ${fn.name}'s contract routes first`);
    const cfnRoute = new apigw.CfnRoute(this, 'route-default-not-found', {
      apiId: this.api.apiId,
      routeKey: '$default',
      target: `integrations/${integration.integrationId}`,
      authorizationType: 'NONE',
    });
    Validations.of(cfnRoute).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: 'The catch-all only ever answers 404 NOT_FOUND in the error envelope; there is nothing to authorize.',
    });
  }
}
