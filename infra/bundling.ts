import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

/**
 * NODE_OPTIONS of deployed functions: none. `--enable-source-maps` made every cold import 15-25% slower (the
 * bench's "with maps" column: Node reads and parses the map at load); the .map still ships beside each bundle,
 * and the error logger maps an unexpected error's stack through it only when it logs one.
 */
export const LAMBDA_NODE_OPTIONS: string = '';

/**
 * Files a function's bundle needs beside it that esbuild cannot inline. PDFKit (reports) loads its standard
 * fonts' metrics with `createRequire(import.meta.url)('#standard-fonts/Helvetica')`, a call esbuild does not
 * follow: the font modules ship next to the bundle, with a package.json whose `imports` map resolves them.
 * NodejsFunction copies them in an afterBundling hook (infra/constructs/project-function.ts), the bench and
 * tests/infra/bundle.test.ts with copyBundleSideFiles, so every bundle that is measured or tested is what deploys.
 */
export const BUNDLE_SIDE_FILES: Partial<Record<string, { dirs: { from: string; to: string }[]; packageJson: Record<string, unknown> }>> = {
  reports: {
    dirs: [{ from: 'node_modules/pdfkit/js/standard-fonts', to: 'standard-fonts' }],
    packageJson: { private: true, imports: { '#standard-fonts/*': './standard-fonts/*.cjs' } },
  },
};

/** The same side files, copied with Node (the bench and the bundle tests build with esbuild directly). */
export function copyBundleSideFiles(fn: string, projectRoot: string, outputDir: string): void {
  const extra = BUNDLE_SIDE_FILES[fn];
  if (!extra) return;
  for (const d of extra.dirs) cpSync(join(projectRoot, d.from), join(outputDir, d.to), { recursive: true });
  writeFileSync(join(outputDir, 'package.json'), JSON.stringify(extra.packageJson));
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The afterBundling commands that put a function's side files into its asset folder (none for most). */
export function sideFileCommands(fn: string, projectRoot: string, outputDir: string): string[] {
  const extra = BUNDLE_SIDE_FILES[fn];
  if (!extra) return [];
  return [
    ...extra.dirs.map((d) => `cp -R ${shellQuote(`${projectRoot}/${d.from}`)} ${shellQuote(`${outputDir}/${d.to}`)}`),
    `printf '%s' ${shellQuote(JSON.stringify(extra.packageJson))} > ${shellQuote(`${outputDir}/package.json`)}`,
  ];
}
