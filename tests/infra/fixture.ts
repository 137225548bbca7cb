// Builds the stack the infrastructure tests read: the real contract and permission map, plus a placeholder
// route for every group in the map that has no routes yet (and a placeholder handler where its file does
// not exist yet), so every permission entry is exercised whatever the other domains have landed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { contract } from '../../shared/contract/index.ts';
import type { FunctionName, RouteDef } from '../../shared/http/contract.ts';
import { functionPermissions, nonHttpFunctionNames } from '../../infra/permissions.ts';
import { defaultHandlerEntry, GradHelperStack, PROJECT_ROOT, type GradHelperStackProps } from '../../infra/stack.ts';

export const PLACEHOLDER_HANDLER = join(PROJECT_ROOT, 'tests/infra/fixtures/placeholder-handler.ts');

export const handlerOrPlaceholder = (fn: string) => (existsSync(defaultHandlerEntry(fn)) ? defaultHandlerEntry(fn) : PLACEHOLDER_HANDLER);

/** The contract, with one placeholder route for each HTTP group of the permission map that has none yet. */
export function contractCoveringEveryGroup(): Record<string, Record<string, RouteDef>> {
  const out: Record<string, Record<string, RouteDef>> = { ...contract };
  for (const fn of Object.keys(functionPermissions)) {
    if ((nonHttpFunctionNames as readonly string[]).includes(fn) || Object.keys(out[fn] ?? {}).length > 0) continue;
    out[fn] = {
      placeholder: {
        method: 'GET',
        path: `/infra-test-placeholder/${fn}`,
        fn: fn as FunctionName,
        access: 'authenticated',
        rateLimit: 'general',
        summary: 'placeholder until the group has routes',
      },
    };
  }
  return out;
}

export const TEST_CONFIG = {
  appUrl: 'https://app.example.com',
  allowedOrigins: ['https://app.example.com', 'https://admin.example.com'],
  mailFrom: 'GradHelper <no-reply@example.com>',
  googleClientId: 'test-client.apps.googleusercontent.com',
};

export function buildTestStack(props: GradHelperStackProps = {}) {
  const app = new App();
  const stack = new GradHelperStack(app, 'GradHelperStack', {
    contract: contractCoveringEveryGroup(),
    handlerEntry: handlerOrPlaceholder,
    realtime: true,
    // The template is what these tests read; `npm run synth` and bundle.test.ts cover the esbuild bundles.
    bundle: false,
    config: TEST_CONFIG,
    ...props,
  });
  const template = Template.fromStack(stack);
  return { app, stack, template };
}
