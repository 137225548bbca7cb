// The WebSocket API (API Gateway v2) at stage `ws`: clients connect to wss://.../ws?token=<access token>.
// One function serves $connect/$disconnect and every action (route selection on the frame's `action`);
// functions that push events reach clients through the stage's Management API (@connections).
import { Aws, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { ProjectFunction } from './project-function.ts';
import { ROUTE_SELECTION_EXPRESSION, websocketRouteKeys } from '../../shared/realtime/actions.ts';

export const WEBSOCKET_STAGE_NAME = 'ws';


export interface RealtimeApiProps {
  throttle: { rateLimit: number; burstLimit: number };
}

export class RealtimeApi extends Construct {
  readonly api: apigw.WebSocketApi;
  readonly stage: apigw.WebSocketStage;
  /** wss://{id}.execute-api.{region}.amazonaws.com/ws */
  readonly url: string;
  /** https://{id}.execute-api.{region}.amazonaws.com/ws: the Management API the push module calls. */
  readonly managementEndpoint: string;

  constructor(scope: Construct, id: string, props: RealtimeApiProps) {
    super(scope, id);
    this.api = new apigw.WebSocketApi(this, 'api', {
      description: 'GradHelper realtime (chat, notifications, task events)',
      routeSelectionExpression: ROUTE_SELECTION_EXPRESSION,
    });
    this.stage = new apigw.WebSocketStage(this, 'stage', {
      webSocketApi: this.api,
      stageName: WEBSOCKET_STAGE_NAME,
      autoDeploy: true,
      throttle: props.throttle,
    });
    Validations.of(this.stage).acknowledge({
      id: 'AwsSolutions-APIG1',
      reason:
        'WebSocket access logging needs the account-wide API Gateway CloudWatch role (AWS::ApiGateway::Account), a per-account singleton this stack should not take over; the realtime function logs every connect, disconnect and action with the connection id, user and request id instead.',
    });
    this.url = this.stage.url;
    this.managementEndpoint = this.stage.callbackUrl;
  }

  /** $connect, $disconnect, $default and the named actions, all on `fn`. */
  addRoutes(fn: ProjectFunction): void {
    const integration = new WebSocketLambdaIntegration('realtime-integration', fn.function);
    // One-way routes, like the local gateway: the function answers (pong, error frames) through the
    // Management API, so a route response would only risk sending a second frame.
    // The same list the local emulator selects routes from; unknown actions reach $default (an error frame).
    const routeKeys = websocketRouteKeys;
    for (const key of routeKeys) {
      const route = this.api.addRoute(key, { integration });
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          key === '$connect'
            ? 'The realtime function verifies the access token from the ?token= query string at $connect and refuses the upgrade with 401; IAM or Cognito authorizers do not fit the JWTs this API issues itself.'
            : 'Only $connect can carry an authorizer in API Gateway; later frames belong to a connection that was authenticated at $connect, and the function looks up its user by connection id.',
      });
    }
  }

  /** WEBSOCKET_ENDPOINT (the Management API URL) for `fn`, and the permission to push through it. */
  bind(fn: ProjectFunction): void {
    fn.addEnvironment('WEBSOCKET_ENDPOINT', this.managementEndpoint);
    this.grantManageConnections(fn);
  }

  /** execute-api:ManageConnections on this stage's @connections only (post, get, delete a connection). */
  grantManageConnections(fn: ProjectFunction): void {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ManageConnections',
        actions: ['execute-api:ManageConnections'],
        resources: [`arn:${Aws.PARTITION}:execute-api:${Aws.REGION}:${Aws.ACCOUNT_ID}:${this.api.apiId}/${WEBSOCKET_STAGE_NAME}/*/@connections/*`],
      }),
    );
    const apiLogicalId = this.api.stack.resolve((this.api.node.defaultChild as apigw.CfnApi).logicalId) as string;
    fn.acknowledge(
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiLogicalId}>/${WEBSOCKET_STAGE_NAME}/*/@connections/*]`,
      'Connection ids are assigned by API Gateway at $connect and known only at run time; the grant covers the @connections of this one API stage (POST, GET and DELETE of a connection).',
    );
  }
}
