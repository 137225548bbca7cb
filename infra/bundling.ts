import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DOCS_ASSETS, REFERENCE_DOCUMENTS, REFERENCE_SIDE_DIR } from '../shared/contract/reference.ts';

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
  /**
   * Modules put in place of others, paths from the project root. `node:stream/web`: @middy/core imports it for
   * streamed responses we never send, and loading it cost every cold start ~6% (infra/bundle-shims/web-streams.ts).
   */
  alias: { 'node:stream/web': './infra/bundle-shims/web-streams.ts' },
} as const;

/**
 * NODE_OPTIONS of deployed functions: none. `--enable-source-maps` made every cold import 15-25% slower (the
 * bench's "with maps" column: Node reads and parses the map at load); the .map still ships beside each bundle,
 * and the error logger maps an unexpected error's stack through it only when it logs one.
 */
export const LAMBDA_NODE_OPTIONS: string = '';

/** Files a function ships beside its bundle: whole folders, single files (`optional`: only when present), a package.json. */
export interface SideFiles {
  dirs?: { from: string; to: string }[];
  files?: { from: string; to: string; optional?: boolean }[];
  packageJson?: Record<string, unknown>;
}

/**
 * Files a function's bundle needs beside it that esbuild cannot or should not inline. PDFKit (reports) loads its
 * standard fonts' metrics with `createRequire(import.meta.url)('#standard-fonts/Helvetica')`, a call esbuild does
 * not follow: the font modules ship next to the bundle, with a package.json whose `imports` map resolves them.
 * The API reference (functions/reference) serves Swagger UI, its page and the OpenAPI and AsyncAPI documents from
 * files, so megabytes of renderer never enter a bundle's JavaScript; the documents are whatever `npm run openapi`
 * last wrote into docs/ (shipped when present: the function answers 404 for a missing one).
 * NodejsFunction copies them in an afterBundling hook (infra/constructs/project-function.ts), the bench and
 * tests/infra/bundle.test.ts with copyBundleSideFiles, so every bundle that is measured or tested is what deploys.
 */
export const BUNDLE_SIDE_FILES: Partial<Record<string, SideFiles>> = {
  reports: {
    dirs: [{ from: 'node_modules/pdfkit/js/standard-fonts', to: 'standard-fonts' }],
    packageJson: { private: true, imports: { '#standard-fonts/*': './standard-fonts/*.cjs' } },
  },
  reference: {
    files: Object.entries({ ...DOCS_ASSETS, ...REFERENCE_DOCUMENTS }).map(([name, from]) => ({
      from,
      to: `${REFERENCE_SIDE_DIR}/${name}`,
      optional: from.startsWith('docs/'),
    })),
  },
};

/** The same side files, copied with Node (the bench and the bundle tests build with esbuild directly). */
export function copyBundleSideFiles(fn: string, projectRoot: string, outputDir: string): void {
  const extra = BUNDLE_SIDE_FILES[fn];
  if (!extra) return;
  for (const d of extra.dirs ?? []) cpSync(join(projectRoot, d.from), join(outputDir, d.to), { recursive: true });
  for (const f of extra.files ?? []) {
    if (f.optional && !existsSync(join(projectRoot, f.from))) continue;
    mkdirSync(dirname(join(outputDir, f.to)), { recursive: true });
    cpSync(join(projectRoot, f.from), join(outputDir, f.to));
  }
  if (extra.packageJson) writeFileSync(join(outputDir, 'package.json'), JSON.stringify(extra.packageJson));
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The afterBundling commands that put a function's side files into its asset folder (none for most). */
export function sideFileCommands(fn: string, projectRoot: string, outputDir: string): string[] {
  const extra = BUNDLE_SIDE_FILES[fn];
  if (!extra) return [];
  const q = (root: string, path: string) => shellQuote(`${root}/${path}`);
  return [
    ...(extra.dirs ?? []).map((d) => `cp -R ${q(projectRoot, d.from)} ${q(outputDir, d.to)}`),
    ...[...new Set((extra.files ?? []).map((f) => dirname(f.to)))].map((dir) => `mkdir -p ${q(outputDir, dir)}`),
    ...(extra.files ?? []).map((f) =>
      f.optional ? `if [ -f ${q(projectRoot, f.from)} ]; then cp ${q(projectRoot, f.from)} ${q(outputDir, f.to)}; fi` : `cp ${q(projectRoot, f.from)} ${q(outputDir, f.to)}`,
    ),
    ...(extra.packageJson ? [`printf '%s' ${shellQuote(JSON.stringify(extra.packageJson))} > ${q(outputDir, 'package.json')}`] : []),
  ];
}
