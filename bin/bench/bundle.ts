// Bundles a function the way the CDK stack's NodejsFunction does (esbuild: bundle, minify, node platform,
// ESM, node22 target, createRequire banner), so the bench measures what Lambda actually loads.
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { copyBundleSideFiles, LAMBDA_BUNDLING, LAMBDA_NODE_OPTIONS } from '../../infra/bundling.ts';

/** The options NodejsFunction derives from infra/bundling.ts (format ESM, linked source map, no externals). */
export const lambdaBundleOptions = {
  bundle: true,
  minify: LAMBDA_BUNDLING.minify,
  platform: 'node',
  format: 'esm',
  target: LAMBDA_BUNDLING.target,
  mainFields: [...LAMBDA_BUNDLING.mainFields],
  banner: { js: LAMBDA_BUNDLING.banner },
  sourcemap: 'linked',
  sourcesContent: LAMBDA_BUNDLING.sourcesContent,
  alias: { ...LAMBDA_BUNDLING.alias },
  // The AWS SDK v3 is bundled (bundleAwsSDK), not taken from the runtime: we pin ours and tree-shake it.
  external: LAMBDA_BUNDLING.bundleAwsSDK ? ([] as string[]) : ['@aws-sdk/*'],
  logLevel: 'silent',
} satisfies BuildOptions;

export { LAMBDA_NODE_OPTIONS };

export const AWS_SDK_BUNDLED = lambdaBundleOptions.external.length === 0;

export interface BundleResult {
  fn: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Bytes in the output that come from @aws-sdk/* and @smithy/* (esbuild metafile). */
  sdkBytes: number;
  /** Bytes from shared/observability/ (metrics, error reports, X-Ray subsegments): what issue #17 costs the bundle. */
  observabilityBytes: number;
  /** The .map file shipped beside the bundle. */
  sourceMapBytes: number;
  buildMs: number;
}

/** Bundles functions/<fn>/handler.ts, or `entry` (the bare baseline handler) under the name `fn`. */
export async function bundleFunction(projectRoot: string, fn: string, outDir: string, entry = join(projectRoot, 'functions', fn, 'handler.ts')): Promise<BundleResult> {
  const file = join(outDir, `${fn}.mjs`);
  const started = performance.now();
  const out = await build({
    ...lambdaBundleOptions,
    absWorkingDir: projectRoot,
    tsconfig: join(projectRoot, 'tsconfig.json'),
    entryPoints: [entry],
    outfile: file,
    metafile: true,
  });
  const buildMs = performance.now() - started;
  copyBundleSideFiles(fn, projectRoot, outDir);
  const code = readFileSync(file);
  return {
    fn,
    file,
    bytes: code.length,
    gzipBytes: gzipSync(code).length,
    sdkBytes: bytesFrom(out.metafile, /node_modules\/@(aws-sdk|smithy|aws-crypto)\//),
    observabilityBytes: bytesFrom(out.metafile, /^shared\/observability\//),
    sourceMapBytes: statSync(`${file}.map`).size,
    buildMs,
  };
}

/** Bytes of the output that come from inputs whose path matches `input` (esbuild metafile). */
function bytesFrom(metafile: Metafile, input: RegExp): number {
  let bytes = 0;
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, info] of Object.entries(output.inputs)) if (input.test(path)) bytes += info.bytesInOutput;
  }
  return bytes;
}
