// Readable stacks from minified bundles without `--enable-source-maps` (which costs 15-25% of every cold
// import, for the rare error that needs a map): only when an unexpected error is logged, its stack frames are
// mapped through the `.map` file esbuild wrote next to the bundle, read on first use and kept for the
// function's life. With the flag on, frames already name the sources and are left as they are.
import { readFileSync } from 'node:fs';
import { SourceMap, findSourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

const maps = new Map<string, SourceMap | null>();

function mapOf(file: string): SourceMap | null {
  let map = maps.get(file);
  if (map !== undefined) return map;
  map = findSourceMap(file) ?? null;
  if (!map && /\.(?:c|m)?js$/.test(file)) {
    try {
      const path = file.startsWith('file:') ? fileURLToPath(file) : file;
      map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
    } catch {
      map = null; // no map shipped: the frame stays as it is
    }
  }
  maps.set(file, map);
  return map;
}

/** `at name (file:line:col)` and `at file:line:col`. */
const FRAME = /^(\s*at (?:.*? \()?)((?:file:\/\/)?[^\s()]+?):(\d+):(\d+)(\)?)$/;

/** `stack` with each bundle frame replaced by its source position (`functions/tasks/tasks.ts:42:7`). */
export function mapStack(stack: string): string {
  return stack
    .split('\n')
    .map((line) => {
      const m = FRAME.exec(line);
      if (!m || m[2].startsWith('node:')) return line;
      const map = mapOf(m[2]);
      if (!map) return line;
      const entry = map.findEntry(Number(m[3]) - 1, Number(m[4]) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number; name?: string };
      if (!entry?.originalSource) return line;
      const source = entry.originalSource.replace(/^file:\/\//, '').replace(/^(?:\.\.\/)+/, '');
      return `${m[1]}${source}:${(entry.originalLine ?? 0) + 1}:${(entry.originalColumn ?? 0) + 1}${m[5]}`;
    })
    .join('\n');
}
