// Readable stacks from a minified bundle without --enable-source-maps: a tiny bundle is built here the way the
// functions are (esbuild, minified, ESM, map file beside it), run in a plain `node`, and throws; the error
// logger's stack mapping turns its frames back into source positions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const run = promisify(execFile);
let dir: string;
let bundle: string;

const SOURCE = `import { mapStack } from ${JSON.stringify(resolve('shared/observability/stack.ts'))};
function chargeTheCard(amount: number) {
  if (amount > 0) throw new Error('card declined');
  return amount;
}
try {
  chargeTheCard(Number(process.argv[2] ?? 5));
} catch (err) {
  const stack = (err as Error).stack!;
  process.stdout.write(JSON.stringify({ raw: stack, mapped: mapStack(stack) }));
}
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stack-map-'));
  writeFileSync(join(dir, 'thrower.ts'), SOURCE);
  bundle = join(dir, 'index.mjs');
  await build({ entryPoints: [join(dir, 'thrower.ts')], outfile: bundle, bundle: true, minify: true, sourcemap: true, format: 'esm', platform: 'node', logLevel: 'silent' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function stacks(nodeOptions: string[] = []) {
  const { stdout } = await run(process.execPath, [...nodeOptions, bundle], { env: { PATH: process.env.PATH } });
  return JSON.parse(stdout) as { raw: string; mapped: string };
}

describe('stack traces of a minified bundle', () => {
  it('are mapped to the source file, line and column through the .map beside the bundle', async () => {
    const { raw, mapped } = await stacks();

    expect(raw).toMatch(/index\.mjs:\d+:\d+/); // frames in the minified bundle
    expect(raw).not.toContain('thrower.ts');
    const frame = mapped.split('\n')[1];
    expect(frame).toMatch(/thrower\.ts:3:\d+\)?$/); // the `throw` line of chargeTheCard
    expect(mapped.split('\n')[0]).toBe('Error: card declined');
  });

  it('are left as they are when Node already maps them (--enable-source-maps)', async () => {
    const { raw, mapped } = await stacks(['--enable-source-maps']);

    expect(raw).toMatch(/thrower\.ts:3:\d+/);
    expect(mapped).toBe(raw);
  });
});
