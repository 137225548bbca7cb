// The CDK app (`npx cdk synth|deploy`, run by cdk.json through tsx). Settings come from CDK context; see
// infra/config.ts and docs/deploy.md. cdk-nag's AwsSolutions pack fails synth on any unacknowledged finding.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GradHelperStack } from '../infra/stack.ts';

const app = new App();

const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

new GradHelperStack(app, 'GradHelperStack', {
  // Env-agnostic when the CLI has no credentials (offline synth); pinned to the CLI's account otherwise.
  env: account && region ? { account, region } : undefined,
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

app.synth();
