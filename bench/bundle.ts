// Bundles a function the way the CDK stack's NodejsFunction does (esbuild: bundle, minify, node platform,
// ESM, node22 target, createRequire banner), so the bench measures what Lambda actually loads.
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * ESM bundles still contain CommonJS dependencies that call `require`; esbuild's shim throws for Node
 * built-ins unless a real `require` exists. Same string as infra/constructs/project-function.ts.
 */
export const CREATE_REQUIRE_BANNER = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * The esbuild options NodejsFunction derives from `bundling` in infra/constructs/project-function.ts
 * (format ESM, target node22, mainFields module/main, the banner, minify, sourceMap with
 * sourcesContent false, the project tsconfig, bundleAwsSDK: true => no externals). Keep the two in step.
 * The AWS SDK v3 is bundled, not taken from the runtime: the Node 22 runtime ships an SDK, but of its own
 * version; we pin ours (package-lock) and tree-shake it.
 */
export const lambdaBundleOptions = {
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: { js: CREATE_REQUIRE_BANNER },
  sourcemap: 'linked',
  sourcesContent: false,
  external: [] as string[],
  logLevel: 'silent',
} satisfies BuildOptions;

/** What the deployed functions run with (project-function.ts): source maps on, so a cold start parses the map. */
export const LAMBDA_NODE_OPTIONS = '--enable-source-maps';

export const AWS_SDK_BUNDLED = lambdaBundleOptions.external.length === 0;

export interface BundleResult {
  fn: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Bytes in the output that come from @aws-sdk/* and @smithy/* (esbuild metafile). */
  sdkBytes: number;
  /** The .map file shipped beside the bundle. */
  sourceMapBytes: number;
  buildMs: number;
}

export async function bundleFunction(projectRoot: string, fn: string, outDir: string): Promise<BundleResult> {
  const file = join(outDir, `${fn}.mjs`);
  const started = performance.now();
  const out = await build({
    ...lambdaBundleOptions,
    absWorkingDir: projectRoot,
    tsconfig: join(projectRoot, 'tsconfig.json'),
    entryPoints: [join(projectRoot, 'functions', fn, 'handler.ts')],
    outfile: file,
    metafile: true,
  });
  const buildMs = performance.now() - started;
  const code = readFileSync(file);
  return {
    fn,
    file,
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    sdkBytes: sdkBytesOf(out.metafile),
    sourceMapBytes: statSync(`${file}.map`).size,
    buildMs,
  };
}

function sdkBytesOf(metafile: Metafile): number {
  let bytes = 0;
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, info] of Object.entries(output.inputs)) {
      if (/node_modules\/@(aws-sdk|smithy|aws-crypto)\//.test(input)) bytes += info.bytesInOutput;
    }
  }
  return bytes;
}
