// Bundles a function the way the CDK stack's NodejsFunction does (esbuild: bundle, minify, node platform,
// ESM, node22 target, createRequire banner), so the bench measures what Lambda actually loads.
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * ESM bundles still contain CommonJS dependencies (busboy, parts of the SDK) that call `require`; esbuild's
 * shim throws for Node built-ins unless a real `require` exists, hence the banner every ESM Lambda needs.
 */
export const CREATE_REQUIRE_BANNER = "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/**
 * The esbuild options of the CDK's NodejsFunction for this project (bundling: minify, format ESM, target
 * node22, banner, bundleAwsSDK: true). The AWS SDK v3 is bundled, not taken from the runtime: the Node 22
 * runtime ships an SDK, but of its own version; we pin ours (package-lock) and tree-shake it.
 */
export const lambdaBundleOptions = {
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: { js: CREATE_REQUIRE_BANNER },
  external: [] as string[],
  logLevel: 'silent',
} satisfies BuildOptions;

export const AWS_SDK_BUNDLED = lambdaBundleOptions.external.length === 0;

export interface BundleResult {
  fn: string;
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Bytes in the output that come from @aws-sdk/* and @smithy/* (esbuild metafile). */
  sdkBytes: number;
  buildMs: number;
}

export async function bundleFunction(projectRoot: string, fn: string, outDir: string): Promise<BundleResult> {
  const file = join(outDir, `${fn}.mjs`);
  const started = performance.now();
  const out = await build({
    ...lambdaBundleOptions,
    absWorkingDir: projectRoot,
    entryPoints: [join(projectRoot, 'functions', fn, 'handler.ts')],
    outfile: file,
    metafile: true,
  });
  const buildMs = performance.now() - started;
  const code = readFileSync(file);
  return { fn, file, bytes: code.length, gzipBytes: gzipSync(code).length, sdkBytes: sdkBytesOf(out.metafile), buildMs };
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
