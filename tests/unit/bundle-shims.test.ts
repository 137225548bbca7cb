// infra/bundle-shims/web-streams.ts stands in for `node:stream/web` in every bundle: it must be the real class
// whenever it is used, and must not load Node's web streams merely by being imported.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { PROJECT_ROOT } from '../../infra/stack.ts';
import { ReadableStream as RealReadableStream } from 'node:stream/web';
import { ReadableStream } from '../../infra/bundle-shims/web-streams.ts';

describe('the on-demand ReadableStream', () => {
  it('recognises real web streams with instanceof, and nothing else', () => {
    expect(new RealReadableStream() instanceof ReadableStream).toBe(true);
    expect({} instanceof ReadableStream).toBe(false);
    expect(('text' as unknown) instanceof ReadableStream).toBe(false);
  });

  it('constructs a real, readable stream', async () => {
    const stream = new ReadableStream<string>({
      start(controller) {
        controller.enqueue('a');
        controller.enqueue('b');
        controller.close();
      },
    });
    expect(stream instanceof RealReadableStream).toBe(true);
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toEqual(['a', 'b']);
  });

  it('has the real statics', async () => {
    const chunks: number[] = [];
    for await (const chunk of ReadableStream.from([1, 2])) chunks.push(chunk);
    expect(chunks).toEqual([1, 2]);
  });

  it('loads no web-streams module when imported, only when first used', async () => {
    // Built as the bundles are (a plain Node process, not this test runner, which has web streams loaded).
    const dir = mkdtempSync(join(tmpdir(), 'gradhelper-shim-'));
    try {
      await build({ entryPoints: [join(PROJECT_ROOT, 'infra/bundle-shims/web-streams.ts')], bundle: true, platform: 'node', format: 'esm', outfile: join(dir, 'shim.mjs'), logLevel: 'silent' });
      const loaded = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { ReadableStream } = await import(${JSON.stringify(pathToFileURL(join(dir, 'shim.mjs')).href)});
           const webStreams = () => process.moduleLoadList.includes('NativeModule internal/webstreams/readablestream');
           const before = webStreams(); void (null instanceof ReadableStream); console.log(JSON.stringify([before, webStreams()]));`,
        ],
        { encoding: 'utf8' },
      );
      expect(JSON.parse(loaded.trim())).toEqual([false, true]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
