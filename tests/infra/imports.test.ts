// The infrastructure modules import each other in one direction only: constructs that are wired to a
// function (WebSocket API, scheduler, table stream) depend on the function construct, never the reverse.
// A cycle between ES modules works until a value (not a type) is read during the cycle's evaluation, so it
// is refused here before it bites.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { PROJECT_ROOT } from '../../infra/stack.ts';

const INFRA = join(PROJECT_ROOT, 'infra');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative imports (type-only ones included: they are cycles for every reader and tool but tsc). */
function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specifiers = [...source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]);
  return specifiers.map((s) => resolve(dirname(file), s)).filter((p) => p.startsWith(INFRA));
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'visiting');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('infra/ module imports', () => {
  it('form no cycle', () => {
    const graph = new Map(tsFiles(INFRA).map((f) => [f, importsOf(f)]));
    expect(graph.size).toBeGreaterThan(10);
    const cycle = findCycle(graph);
    expect(cycle?.map((f) => relative(PROJECT_ROOT, f)).join(' -> ')).toBeUndefined();
  });
});

describe('client/ module imports', () => {
  /** Every module specifier a file names (relative, aliased or a package), type-only imports included. */
  const specifiersOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
  const CLIENT = join(PROJECT_ROOT, 'client');

  it('client/ imports only its own files and openapi-fetch, so it can be copied into a frontend as it is', () => {
    for (const file of tsFiles(CLIENT)) {
      for (const specifier of specifiersOf(file)) {
        const own = specifier.startsWith('.') && resolve(dirname(file), specifier).startsWith(CLIENT + '/');
        expect(own || specifier === 'openapi-fetch', `${relative(PROJECT_ROOT, file)} imports ${specifier}`).toBe(true);
      }
    }
  });

  it('no function, shared or infra module imports client/ (it is not part of any bundle)', () => {
    for (const dir of ['functions', 'shared', 'infra']) {
      for (const file of tsFiles(join(PROJECT_ROOT, dir))) {
        for (const specifier of specifiersOf(file)) {
          const target = specifier.startsWith('.') ? resolve(dirname(file), specifier) : specifier;
          expect(target.startsWith(CLIENT + '/') || /^#?client\//.test(specifier), `${relative(PROJECT_ROOT, file)} imports ${specifier}`).toBe(false);
        }
      }
    }
  });
});
