// How every Lambda is bundled, in one place: the CDK's NodejsFunction (infra/constructs/project-function.ts)
// and the bench (bin/bench/bundle.ts) both read this, so the bench measures what Lambda loads.

/**
 * Lambda loads the .mjs bundle as ESM; a few CommonJS dependencies still call require() (and esbuild keeps
 * those calls), so give the module a real one.
 */
export const ESM_REQUIRE_BANNER = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

export const LAMBDA_BUNDLING = {
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  minify: true,
  sourcesContent: false,
  /** Ship the SDK versions the tests ran against instead of whatever the runtime carries. */
  bundleAwsSDK: true,
} as const;

/** Deployed functions run with source maps on (a cold start parses the map). */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';
