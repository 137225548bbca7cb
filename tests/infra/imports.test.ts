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

describe('zod in runtime code (shared/, functions/)', () => {
  // Everything there can end up in a Lambda bundle. shared/zod.ts is zod/mini with English messages configured:
  // importing 'zod' (classic) would put all of classic zod back into the bundle, and importing 'zod/mini' past
  // shared/zod.ts could parse before the English messages are set (mini has no default locale).
  it('is imported through shared/zod.ts only', () => {
    const runtime = [join(PROJECT_ROOT, 'shared'), join(PROJECT_ROOT, 'functions')].flatMap(tsFiles);
    expect(runtime.length).toBeGreaterThan(50);
    const direct = runtime
      .filter((file) => file !== join(PROJECT_ROOT, 'shared/zod.ts'))
      .filter((file) => /^\s*(?:import|export)\s[^'"]*?from\s+['"]zod(?:\/[^'"]*)?['"]/m.test(readFileSync(file, 'utf8')))
      .map((file) => relative(PROJECT_ROOT, file));
    expect(direct).toEqual([]);
  });
});

// The API reference's words and builders (descriptions, examples, the document builders) are for
// `npm run openapi` and the tests only: every function bundle would otherwise carry them (issue #15's budgets).
// The reference function serves the generated JSON files, never the builders.
describe('documentation-only modules', () => {
  const DOC_ONLY = [
    join(PROJECT_ROOT, 'shared/contract/docs') + '/',
    join(PROJECT_ROOT, 'shared/http/openapi.ts'),
    join(PROJECT_ROOT, 'shared/http/schema-example.ts'),
    join(PROJECT_ROOT, 'shared/realtime/asyncapi.ts'),
  ];
  const ALIASES: Record<string, string> = { '#shared/': 'shared/', '#functions/': 'functions/', '#infra/': 'infra/' };

  /** Project files a module imports: static, re-exported and dynamic, relative or through `#shared/*`-style aliases. */
  function projectImportsOf(file: string): string[] {
    const source = readFileSync(file, 'utf8');
    const specifiers = [
      ...source.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm),
      ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ].map((m) => m[1]);
    return specifiers.flatMap((s) => {
      if (s.startsWith('.')) return [resolve(dirname(file), s)];
      const alias = Object.keys(ALIASES).find((a) => s.startsWith(a));
      return alias ? [join(PROJECT_ROOT, ALIASES[alias], s.slice(alias.length))] : [];
    });
  }

  it('are reached by no module of functions/', () => {
    const seen = new Set<string>();
    const offenders: string[] = [];
    const visit = (file: string, from: string[]) => {
      if (seen.has(file) || !file.endsWith('.ts')) return;
      seen.add(file);
      if (DOC_ONLY.some((d) => (d.endsWith('/') ? file.startsWith(d) : file === d))) {
        offenders.push([...from, file].map((f) => relative(PROJECT_ROOT, f)).join(' -> '));
        return;
      }
      for (const next of projectImportsOf(file)) visit(next, [...from, file]);
    };
    const roots = tsFiles(join(PROJECT_ROOT, 'functions'));
    for (const root of roots) visit(root, []);
    expect(seen.size).toBeGreaterThan(roots.length);
    expect(offenders).toEqual([]);
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
